"""Biometric consent on the student's page: shown, never ticked; recorded (who, when, which terms) through the
record-a-consent form, on the add page too."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from school.models import ConsentRecord, Student
from school.services.consent import current_terms, grant_consent
from tests.factories import SecretaryFactory, StudentFactory
from tests.school.consent_support import record_form_errors, record_on_student_page, student_page_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(client: Client) -> User:
    user = SecretaryFactory()
    client.force_login(user)
    return user


def add(client: Client, **record: str) -> Student:
    url = "/admin/school/student/add/"
    data = student_page_data(client, url, **record)
    data.update({"full_name": "Lin-Manuel Miranda", "registration": "2024003", "active": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and record_form_errors(response)
    return Student.objects.get(registration="2024003")


def test_a_posted_consent_box_changes_nothing(client: Client, secretary: User) -> None:
    student = StudentFactory()
    url = f"/admin/school/student/{student.pk}/change/"
    data = student_page_data(client, url)
    data["biometric_consent"] = "on"

    assert client.post(url, data).status_code == 302

    student.refresh_from_db()
    assert (student.biometric_consent, student.biometric_consent_at) == (False, None)
    assert not ConsentRecord.objects.exists()


def test_saving_a_consenting_student_again_keeps_the_original_record(client: Client, secretary: User) -> None:
    first_secretary = SecretaryFactory()
    student = StudentFactory()
    grant_consent(student, "biometric", given_by="Ana Souza", recorded_by=first_secretary)
    student.refresh_from_db()
    recorded_at = student.biometric_consent_at

    response = record_on_student_page(client, student)

    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.biometric_consent_at, student.biometric_consent_by) == (recorded_at, first_secretary)
    assert ConsentRecord.objects.count() == 1


def test_a_new_student_added_with_consent_records_it(client: Client, secretary: User) -> None:
    before = timezone.now()

    student = add(client, action="grant", given_by="Luz Towns-Miranda", relation="mãe")

    assert student.biometric_consent is True and student.biometric_consent_terms == current_terms("biometric")
    assert student.biometric_consent_at is not None and before <= student.biometric_consent_at <= timezone.now()
    assert student.biometric_consent_by == secretary
    assert ConsentRecord.objects.get(student=student).given_by == "Luz Towns-Miranda"


def test_a_new_student_added_without_consent_has_no_consent_record(client: Client, secretary: User) -> None:
    student = add(client)

    assert (student.biometric_consent, student.biometric_consent_at, student.biometric_consent_by) == (
        False,
        None,
        None,
    )
    assert not ConsentRecord.objects.exists()
