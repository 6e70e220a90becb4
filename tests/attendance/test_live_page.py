from __future__ import annotations

import pytest
from django.test import Client

from school.models import Lesson
from tests.factories import ClassroomFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_a_teacher_sees_their_classes_with_todays_lessons(client: Client, lesson: Lesson) -> None:
    client.force_login(TeacherFactory(classrooms=[lesson.classroom]))
    ClassroomFactory(code="1BT.I")

    page = client.get("/classes/").content.decode()

    assert "3AT.I" in page and "1BT.I" not in page
    assert lesson.subject in page and "/classes/3AT.I/live/" in page


def test_the_live_page_is_for_the_classrooms_teachers_and_secretaries(client: Client, lesson: Lesson) -> None:
    own, foreign = TeacherFactory(classrooms=[lesson.classroom]), TeacherFactory()

    assert client.get("/classes/3AT.I/live/").status_code == 302  # to the login page
    client.force_login(foreign)
    assert client.get("/classes/3AT.I/live/").status_code == 403
    client.force_login(own)
    page = client.get("/classes/3AT.I/live/")
    assert page.status_code == 200 and f'data-lesson-id="{lesson.pk}"' in page.content.decode()
    client.force_login(SecretaryFactory())
    assert client.get("/classes/3AT.I/live/").status_code == 200


def test_without_a_lesson_now_the_page_says_so(client: Client) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    client.force_login(TeacherFactory(classrooms=[classroom]))

    page = client.get("/classes/3AT.I/live/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "There is no lesson in progress" in page


def test_teachers_log_in_on_their_own_page(client: Client) -> None:
    TeacherFactory(username="prof")

    response = client.post("/accounts/login/", {"username": "prof", "password": "correct horse battery staple"})

    assert response.status_code == 302 and response["Location"] == "/classes/"
