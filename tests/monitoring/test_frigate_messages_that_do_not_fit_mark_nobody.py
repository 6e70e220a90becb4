"""A Frigate message that is not a confident face recognition of an active student enrolled where the camera is
marks nobody, and says why (the subscriber logs it and goes on)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from attendance.models import AttendanceLog, Presence
from cameras.models import Camera
from monitoring.ingest.frigate import handle_frigate_message
from school.models import Student
from tests.cameras.conftest import lesson_now
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


@dataclass
class Door:
    camera: Camera
    student: Student


@pytest.fixture
def door(settings: Any) -> Door:
    settings.FRIGATE_MIN_SCORE = 0.8
    classroom = ClassroomFactory()
    lesson_now(classroom)
    student = StudentFactory(frigate_name="Maria", consenting=True)
    EnrollmentFactory(student=student, classroom=classroom)
    return Door(CameraFactory(classroom=classroom, frigate_camera="porta"), student)


def face(**fields: Any) -> bytes:
    message = {"type": "face", "id": "1700000000.1-abc", "name": "Maria", "score": 0.93, "camera": "porta"}
    return json.dumps({**message, "timestamp": time.time(), **fields}).encode()


def assert_nobody_marked() -> None:
    assert not Presence.objects.exists()
    assert not AttendanceLog.objects.exists()


@pytest.mark.parametrize(
    ("payload", "outcome"),
    [
        (face(score=0.79), "low_score"),
        (face(camera="garagem"), "unknown_camera"),
        (face(name="Joana"), "unknown_student"),
        (face(type="lpr", name="ABC1D23"), "ignored"),
        (json.dumps({"type": "description", "description": "a person"}).encode(), "ignored"),
        (b"not json", "malformed"),
        (b'["face"]', "malformed"),
        (b"\xff\xfe", "malformed"),
        (face(score="high"), "malformed"),
        (face(name=None), "malformed"),
        (json.dumps({"type": "face", "name": "Maria", "score": 0.9}).encode(), "malformed"),  # no camera
    ],
)
def test_a_message_that_does_not_fit_marks_nobody(door: Door, payload: bytes, outcome: str) -> None:
    assert handle_frigate_message(payload) == outcome
    assert_nobody_marked()


def test_a_disabled_camera_is_unknown(door: Door) -> None:
    Camera.objects.filter(pk=door.camera.pk).update(enabled=False)
    assert handle_frigate_message(face()) == "unknown_camera"
    assert_nobody_marked()


def test_an_inactive_student_is_not_marked(door: Door) -> None:
    Student.objects.filter(pk=door.student.pk).update(active=False)
    assert handle_frigate_message(face()) == "inactive_student"
    assert_nobody_marked()


def test_a_student_of_another_classroom_is_not_marked(door: Door) -> None:
    other = StudentFactory(frigate_name="Joana")
    EnrollmentFactory(student=other)  # another classroom
    assert handle_frigate_message(face(name="Joana")) == "not_enrolled"
    assert_nobody_marked()


def test_a_name_that_fits_two_students_of_the_classroom_marks_neither(door: Door) -> None:
    twin = StudentFactory(frigate_name="MARIA")
    EnrollmentFactory(student=twin, classroom=door.camera.classroom)
    assert handle_frigate_message(face()) == "ambiguous_student"
    assert_nobody_marked()


def test_outside_lessons_the_sighting_is_logged_but_nobody_is_marked(settings: Any) -> None:
    settings.FRIGATE_MIN_SCORE = 0.8
    classroom = ClassroomFactory()  # no lesson today
    student = StudentFactory(frigate_name="Maria", consenting=True)
    EnrollmentFactory(student=student, classroom=classroom)
    CameraFactory(classroom=classroom, frigate_camera="porta")

    assert handle_frigate_message(face()) == "no_lesson"
    assert not Presence.objects.exists()
    assert AttendanceLog.objects.get().student == student
