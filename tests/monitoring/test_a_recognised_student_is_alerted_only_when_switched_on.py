"""student_recognised is off by default (a school does not want an alert per child); switched on with
ALERT_TYPES_ON, each new presence is one alert, after the sighting commits."""

from __future__ import annotations

from typing import Any

import pytest

from attendance.services.sightings import record_sighting
from monitoring.models import Alert
from tests.attendance.conftest import in_session
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


def sight_twice(django_capture_on_commit_callbacks: Any) -> tuple[Any, Any]:
    classroom = ClassroomFactory()
    lesson = in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    camera = CameraFactory(classroom=classroom)
    with django_capture_on_commit_callbacks(execute=True):
        record_sighting(student=student, classroom=classroom, distance=0.31, camera=camera)
    with django_capture_on_commit_callbacks(execute=True):
        record_sighting(student=student, classroom=classroom, distance=0.35, camera=camera)  # same presence
    return lesson, student


def test_nothing_is_alerted_by_default(django_capture_on_commit_callbacks: Any) -> None:
    sight_twice(django_capture_on_commit_callbacks)

    assert not Alert.objects.exists()


def test_switched_on_each_new_presence_is_one_alert(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ALERT_TYPES_ON = ["student_recognised"]

    lesson, student = sight_twice(django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert (alert.type, alert.severity, alert.classroom_id) == ("student_recognised", "info", lesson.classroom_id)
    assert alert.payload["student_id"] == student.pk and alert.payload["lesson_id"] == lesson.pk
    assert alert.payload["status"] == "present" and alert.payload["distance"] == 0.31


def test_a_rolled_back_sighting_alerts_nothing(settings: Any) -> None:
    settings.ALERT_TYPES_ON = ["student_recognised"]
    classroom = ClassroomFactory()
    in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student__consenting=True).student

    # No commit: the test's transaction is rolled back, and on_commit callbacks never run.
    record_sighting(student=student, classroom=classroom, distance=0.3)

    assert not Alert.objects.exists()
