from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import AttendanceLog, Presence, PresenceSource
from attendance.services.roll import close_roll
from attendance.services.sightings import record_sighting
from tests.attendance.conftest import post_sighting
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_a_late_sighting_is_logged_but_leaves_the_closed_roll_as_it_was(caplog: pytest.LogCaptureFixture) -> None:
    lesson = LessonFactory(date=timezone.localdate() - dt.timedelta(days=1))
    student = EnrollmentFactory(classroom=lesson.classroom, student__consenting=True).student
    close_roll(lesson)

    with caplog.at_level(logging.INFO, logger="attendance.services.sightings"):
        sighting = record_sighting(
            student=student, classroom=lesson.classroom, seen_at=lesson.starts_at + dt.timedelta(minutes=1)
        )

    assert sighting.lesson == lesson and sighting.presence is None and not sighting.created
    assert Presence.objects.get(lesson=lesson, student=student).source == PresenceSource.SYSTEM
    assert AttendanceLog.objects.filter(lesson=lesson, student=student).exists()  # kept as evidence
    assert f"student {student.pk} in lesson {lesson.pk} refused: roll closed" in caplog.text


def test_the_api_answers_roll_closed(device_api: APIClient) -> None:
    classroom = ClassroomFactory(code="2BT.I")
    lesson = LessonFactory(classroom=classroom, date=timezone.localdate() - dt.timedelta(days=1))
    student = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    close_roll(lesson)

    response = post_sighting(
        device_api,
        classroom_code="2BT.I",
        student_id=student.pk,
        distance=0.3,
        seen_at=(lesson.starts_at + dt.timedelta(minutes=1)).isoformat(),
    )

    assert response.status_code == 422 and response.json()["code"] == "roll_closed"
