"""A face Frigate recognises as a student without biometric consent (never given, or withdrawn since) marks
nobody and leaves nothing behind: no sighting, no evidence file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from attendance.models import AttendanceLog, Presence
from monitoring.ingest.frigate import handle_frigate_message
from school.models import Student
from school.services.consent import grant_consent, withdraw_consent
from tests.cameras.conftest import lesson_now
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(settings: Any) -> Student:
    """Maria, enrolled in a classroom in session whose door camera is Frigate's "porta"; no consent."""
    settings.FRIGATE_MIN_SCORE = 0.8
    classroom = ClassroomFactory()
    lesson_now(classroom)
    student = StudentFactory(frigate_name="Maria")
    EnrollmentFactory(student=student, classroom=classroom)
    CameraFactory(classroom=classroom, frigate_camera="porta")
    return student


def face() -> bytes:
    message = {"type": "face", "id": "1700000000.1-abc", "name": "Maria", "score": 0.95, "camera": "porta"}
    return json.dumps({**message, "timestamp": time.time()}).encode()


def nothing_kept() -> bool:
    evidence = Path(django_settings.MEDIA_ROOT) / "evidence"
    return not Presence.objects.exists() and not AttendanceLog.objects.exists() and not evidence.exists()


def test_a_student_who_never_consented_is_not_marked(maria: Student) -> None:
    assert handle_frigate_message(face()) == "no_consent"
    assert nothing_kept()


def test_a_student_whose_consent_was_withdrawn_is_not_marked(maria: Student) -> None:
    grant_consent(maria, "biometric", given_by="Joana Silva", relation="mãe", recorded_by=None)
    assert handle_frigate_message(face()) == "recorded"  # with consent, the same message marks her
    Presence.objects.all().delete()
    AttendanceLog.objects.all().delete()

    withdraw_consent(maria, "biometric", given_by="Joana Silva", relation="mãe", recorded_by=None)

    assert handle_frigate_message(face()) == "no_consent"
    assert nothing_kept()
