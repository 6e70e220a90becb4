from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Presence, PresenceChange, PresenceStatus
from attendance.services.roll import close_roll
from school.models import Lesson, Student
from tests.factories import EnrollmentFactory, LessonFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def closed_lesson(days_ago: int) -> tuple[Lesson, Student]:
    lesson = LessonFactory(date=timezone.localdate() - dt.timedelta(days=days_ago))
    student = EnrollmentFactory(classroom=lesson.classroom).student
    close_roll(lesson)
    return lesson, student


def as_user(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_teacher_still_changes_the_roll_on_the_last_day_of_the_window() -> None:
    lesson, student = closed_lesson(days_ago=7)
    teacher = as_user(TeacherFactory(classrooms=[lesson.classroom]))

    response = teacher.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "present"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "present"


def test_after_the_window_the_teacher_is_refused_with_a_reason() -> None:
    lesson, student = closed_lesson(days_ago=8)
    teacher = as_user(TeacherFactory(classrooms=[lesson.classroom]))

    response = teacher.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "present"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "roll_edit_window_closed" and "7" in response.json()["detail"]
    assert Presence.objects.get(lesson=lesson, student=student).status == PresenceStatus.ABSENT
    assert not PresenceChange.objects.exists()


def test_after_the_window_a_secretary_changes_it_and_the_change_is_kept() -> None:
    lesson, student = closed_lesson(days_ago=30)
    secretary = SecretaryFactory()

    response = as_user(secretary).put(
        f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "late"}, format="json"
    )

    assert response.status_code == 200 and response.json()["status"] == "late"
    change = PresenceChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("absent", "late", secretary)
