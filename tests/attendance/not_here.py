"""Helpers of the "was not here" tests: the kiosk marks a student with someone else's face, and a teacher (or a
secretary) changes the presence through the live page's API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from attendance.services.sightings import record_sighting
from school.models import Lesson, Student
from tests.support.images import fixture_bytes

Capture = Callable[..., AbstractContextManager[Any]]


def kiosk_marks_with_bidens_face(lesson: Lesson, student: Student) -> None:
    """The kiosk takes Biden for `student` and marks them present."""
    record_sighting(
        student=student, classroom=lesson.classroom, crop_jpeg=fixture_bytes("biden.jpg"), source="kiosk", distance=0.45
    )


def api_as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def put(client: APIClient, lesson: Lesson, student: Student, status: str) -> Any:
    """What the live page sends when a teacher marks a student present, late or absent."""
    response = client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": status}, format="json")
    assert response.status_code == 200, response.content
    return response
