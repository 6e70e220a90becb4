from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Roll
from attendance.services.roll import close_roll
from school.models import Lesson
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(db: None) -> Lesson:
    lesson = LessonFactory(
        classroom=ClassroomFactory(code="3AT.I"), date=timezone.localdate() - dt.timedelta(days=1), subject="História"
    )
    EnrollmentFactory(classroom=lesson.classroom)
    return lesson


def test_the_live_page_shows_the_button_once_the_roll_is_closed_and_it_confirms(client: Client, ended: Lesson) -> None:
    teacher = TeacherFactory(classrooms=[ended.classroom])
    client.force_login(teacher)
    assert "Confirm the roll" not in client.get("/classes/3AT.I/live/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    close_roll(ended)

    page = client.get("/classes/3AT.I/live/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm the roll" in page and "1 absence recorded" in page
    action = f"/classes/3AT.I/rolls/{ended.pk}/confirm/"
    assert f'action="{action}"' in page and "csrfmiddlewaretoken" in page
    response = client.post(action)

    assert response.status_code == 302 and response["Location"] == "/classes/3AT.I/live/"
    roll = Roll.objects.get(lesson=ended)
    assert roll.confirmed_by == teacher and roll.confirmed_at is not None
    page = client.get("/classes/3AT.I/live/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm the roll" not in page and "Confirmed by" in page


def test_another_classrooms_teacher_cannot_confirm_on_the_page(client: Client, ended: Lesson) -> None:
    close_roll(ended)
    client.force_login(TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")]))

    assert client.post(f"/classes/3AT.I/rolls/{ended.pk}/confirm/").status_code == 403
    assert Roll.objects.get().confirmed_at is None


def test_the_api_confirms_for_the_classrooms_teacher_and_a_secretary_only(ended: Lesson) -> None:
    api = APIClient()
    url = f"/api/lessons/{ended.pk}/roll/confirm"
    teacher = TeacherFactory(classrooms=[ended.classroom], first_name="Ana", last_name="Lima")
    api.force_authenticate(teacher)
    assert api.post(url).json()["code"] == "roll_not_closed"
    close_roll(ended)

    api.force_authenticate(TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")]))
    assert api.post(url).status_code == 403
    api.force_authenticate(teacher)
    body = api.post(url).json()
    api.force_authenticate(SecretaryFactory())
    again = api.post(url)

    assert body["confirmed_by"] == "Ana Lima" and body["absences_recorded"] == 1 and body["confirmed_at"]
    assert again.status_code == 200 and again.json() == body  # the first confirmation stays


def test_the_endpoint_is_in_the_openapi_schema(ended: Lesson) -> None:
    api = APIClient()
    api.force_authenticate(SecretaryFactory())

    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "post" in schema["paths"]["/api/lessons/{lesson_id}/roll/confirm"]
