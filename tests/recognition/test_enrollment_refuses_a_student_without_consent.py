"""No face photo is stored, so none is encoded, for a student without valid biometric consent: never given,
withdrawn (even when the caller still holds the row read before the withdrawal), or a student who left."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from recognition.services.enrollment import EnrollmentRefused, add_face_photo
from school.models import Student
from school.services.consent import grant_consent, withdraw_consent
from tests.factories import StudentFactory
from tests.recognition.conftest import upload
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


def consenting() -> Student:
    student = StudentFactory()
    grant_consent(student, "biometric", given_by="Michelle Obama", recorded_by=None)
    return Student.objects.get(pk=student.pk)


def test_the_api_refuses_a_student_whose_consent_was_withdrawn(secretary_api: APIClient) -> None:
    student = consenting()
    withdraw_consent(student, "biometric", given_by="Michelle Obama", recorded_by=None)

    response = upload(secretary_api, student, "obama.jpg")

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert not FacePhoto.objects.exists()


def test_the_api_refuses_a_student_who_left_the_school(secretary_api: APIClient) -> None:
    student = consenting()
    student.active = False
    student.save()

    response = upload(secretary_api, student, "obama.jpg")

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert not FacePhoto.objects.exists()


def test_a_row_read_before_the_withdrawal_is_checked_again_under_lock() -> None:
    student = consenting()  # this row says the consent is given
    withdraw_consent(student, "biometric", given_by="Michelle Obama", recorded_by=None)
    assert student.biometric_consent is True

    with pytest.raises(EnrollmentRefused) as refusal:
        add_face_photo(student, fixture_bytes("obama.jpg"), "obama.jpg")

    assert refusal.value.code == "no_consent"
    assert not FacePhoto.objects.exists()
