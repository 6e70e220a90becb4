from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from attendance.models import AttendanceLog, Device, Presence
from school.models import Classroom, Lesson, Student
from tests.attendance.conftest import post_sighting
from tests.factories import ClassroomFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_a_device_marks_a_student_present_then_repeats_are_duplicates(
    device_api: APIClient, lesson: Lesson, student: Student
) -> None:
    first = post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, distance=0.32)
    again = post_sighting(device_api, classroom_code="3AT.I", registration=student.registration, confidence=0.7)

    assert first.status_code == 201, first.json()
    assert first.json() == {
        "duplicate": False,
        "lesson_id": lesson.pk,
        "student_id": student.pk,
        "status": "present",
        "logged": True,
    }
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Presence.objects.get().source == "api"
    assert Device.objects.get().last_used_at is not None


def test_a_confidence_is_stored_as_a_distance(device_api: APIClient, lesson: Lesson, student: Student) -> None:
    post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, confidence=0.8)

    assert AttendanceLog.objects.get().distance == pytest.approx(0.2)


def test_a_given_seen_at_is_used(device_api: APIClient, lesson: Lesson, student: Student) -> None:
    seen_at = lesson.starts_at + dt.timedelta(minutes=1)

    post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, distance=0.3, seen_at=seen_at.isoformat())

    assert Presence.objects.get().first_seen == seen_at


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"classroom_code": "9ZZ.Z", "student_id": 1, "distance": 0.3}, "unknown_classroom"),
        ({"classroom_code": "3AT.I", "registration": "nobody", "distance": 0.3}, "unknown_student"),
        ({"classroom_code": "3AT.I", "distance": 0.3}, "invalid"),
        ({"classroom_code": "3AT.I", "registration": "x"}, "invalid"),
    ],
    ids=["classroom", "student", "no-student", "no-distance"],
)
def test_bad_sightings_get_a_reason_code(
    device_api: APIClient, lesson: Lesson, body: dict[str, object], code: str
) -> None:
    response = post_sighting(device_api, **body)

    assert response.status_code in {400, 422}
    assert response.json()["code"] == code
    assert not Presence.objects.exists()


def test_a_student_of_another_classroom_is_refused(device_api: APIClient, lesson: Lesson) -> None:
    outsider = StudentFactory()

    response = post_sighting(device_api, classroom_code="3AT.I", student_id=outsider.pk, distance=0.3)

    assert response.status_code == 422 and response.json()["code"] == "not_enrolled"
    assert not AttendanceLog.objects.exists()


def test_outside_lesson_time_the_sighting_is_logged_and_refused(
    device_api: APIClient, classroom: Classroom, student: Student
) -> None:
    response = post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, distance=0.3)

    assert response.status_code == 422 and response.json()["code"] == "no_lesson"
    assert AttendanceLog.objects.filter(lesson=None).count() == 1
    assert not Presence.objects.exists()


@pytest.mark.parametrize("header", ["Api-Key wrong-key-123", "Api-Key", "Token abc", ""])
def test_bad_or_missing_keys_are_refused(header: str, lesson: Lesson, student: Student) -> None:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = post_sighting(client, classroom_code="3AT.I", student_id=student.pk, distance=0.3)

    assert response.status_code in {401, 403}
    assert response.json()["code"] in {"bad_api_key", "not_authenticated", "authentication_failed"}
    assert not AttendanceLog.objects.exists()


def test_a_revoked_device_is_refused(device_api: APIClient, lesson: Lesson, student: Student) -> None:
    Device.objects.update(active=False)

    response = post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, distance=0.3)

    assert response.status_code == 401 and response.json()["code"] == "bad_api_key"


def test_a_device_bound_to_another_classroom_is_refused(
    device_api: APIClient, lesson: Lesson, student: Student
) -> None:
    Device.objects.update(classroom=ClassroomFactory(code="1BT.I"))

    response = post_sighting(device_api, classroom_code="3AT.I", student_id=student.pk, distance=0.3)

    assert response.status_code == 403 and response.json()["code"] == "wrong_classroom"


def test_keys_are_stored_hashed(device_key: str) -> None:
    device = Device.objects.get()

    assert device_key not in (device.key_hash, device.key_prefix) and device_key.startswith(device.key_prefix)
