from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Device
from school.models import Classroom, Lesson, Student
from school.services.lessons import current_lesson
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonScheduleFactory, StudentFactory


def in_session(classroom: Classroom, *, started_minutes_ago: int = 5) -> Lesson:
    """Make `classroom` have a lesson right now, which started a few minutes ago, and return it."""
    now = timezone.localtime()
    start = (now - dt.timedelta(minutes=started_minutes_ago)).time().replace(second=0, microsecond=0)
    if start > now.time():  # just after midnight: start the lesson at midnight instead
        start = dt.time(0, 0)
    LessonScheduleFactory(classroom=classroom, weekday=now.weekday(), start_time=start, end_time=dt.time(23, 59, 59))
    lesson = current_lesson(classroom, now)
    assert lesson is not None
    return lesson


@pytest.fixture
def classroom(db: None) -> Classroom:
    return ClassroomFactory(code="3AT.I", late_after_minutes=10)


@pytest.fixture
def lesson(classroom: Classroom) -> Lesson:
    return in_session(classroom)


@pytest.fixture
def student(classroom: Classroom) -> Student:
    return EnrollmentFactory(
        classroom=classroom, student=StudentFactory(full_name="Lin-Manuel Miranda", consenting=True)
    ).student


@pytest.fixture
def device_key(db: None) -> str:
    device = Device(name="gateway")
    key = device.issue_key()
    device.save()
    return key


@pytest.fixture
def device_api(device_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {device_key}")
    return client


def post_sighting(client: APIClient, **body: Any) -> Any:
    return client.post("/api/attendance", body, format="json")
