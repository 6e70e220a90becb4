"""An external recognizer that reports a face of a student without biometric consent (never given, withdrawn, or
withdrawn after the caller read the student's row) gets 422 ``no_consent``: nobody is marked and nothing of the
sighting is kept, face crop included."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from attendance.models import AttendanceLog, Presence
from attendance.services.sightings import record_sighting
from school.models import Classroom, Lesson, Student
from school.services.consent import grant_consent, withdraw_consent
from tests.attendance.conftest import post_sighting
from tests.factories import EnrollmentFactory, StudentFactory
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing(classroom: Classroom) -> Student:
    return EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Joe Biden")).student


def nothing_kept() -> bool:
    evidence = Path(settings.MEDIA_ROOT) / "evidence"
    return not Presence.objects.exists() and not AttendanceLog.objects.exists() and not evidence.exists()


def test_a_student_who_never_consented_gets_no_consent(
    device_api: APIClient, lesson: Lesson, refusing: Student
) -> None:
    response = post_sighting(device_api, classroom_code="3AT.I", student_id=refusing.pk, distance=0.3)

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert nothing_kept()


def test_a_withdrawn_consent_gets_no_consent(device_api: APIClient, lesson: Lesson, refusing: Student) -> None:
    grant_consent(refusing, "biometric", given_by="Jill Biden", recorded_by=None)
    assert post_sighting(device_api, classroom_code="3AT.I", student_id=refusing.pk, distance=0.3).status_code == 201
    Presence.objects.all().delete()
    AttendanceLog.objects.all().delete()
    withdraw_consent(refusing, "biometric", given_by="Jill Biden", recorded_by=None)

    response = post_sighting(device_api, classroom_code="3AT.I", registration=refusing.registration, confidence=0.9)

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert nothing_kept()


def test_a_row_read_before_the_withdrawal_neither_marks_nor_stores_the_crop(
    classroom: Classroom, lesson: Lesson, refusing: Student
) -> None:
    grant_consent(refusing, "biometric", given_by="Jill Biden", recorded_by=None)
    stale = Student.objects.get(pk=refusing.pk)  # a camera's cached row: consent given
    withdraw_consent(refusing, "biometric", given_by="Jill Biden", recorded_by=None)

    sighting = record_sighting(
        student=stale, classroom=classroom, distance=0.3, crop_jpeg=fixture_bytes("biden.jpg"), dedup_seconds=60
    )

    assert sighting.no_consent and sighting.presence is None and sighting.log is None
    assert nothing_kept()
