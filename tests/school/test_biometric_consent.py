from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def student_form(client: Client, url: str, student: Student | None = None, *, consent: bool) -> dict[str, str]:
    """The student page's form as a browser would post it, the inlines (whichever apps add them) left empty."""
    page = client.get(url)
    data = {
        "full_name": student.full_name if student else "Lin-Manuel Miranda",
        "registration": student.registration if student else "2024003",
        "birth_date": "",
        "active": "on",
    }
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": str(value) for name, value in management.initial.items()})
    if consent:
        data["biometric_consent"] = "on"
    return data


def change(client: Client, student: Student, *, consent: bool) -> HttpResponse:
    url = f"/admin/school/student/{student.pk}/change/"
    return client.post(url, student_form(client, url, student, consent=consent))


def add(client: Client, *, consent: bool) -> HttpResponse:
    url = "/admin/school/student/add/"
    return client.post(url, student_form(client, url, consent=consent))


@pytest.fixture
def secretary(client: Client) -> User:
    user = SecretaryFactory()
    client.force_login(user)
    return user


def test_ticking_consent_records_when_and_by_whom(client: Client, secretary: User) -> None:
    student = StudentFactory()
    before = timezone.now()

    response = change(client, student, consent=True)

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.biometric_consent is True
    assert student.biometric_consent_at is not None and before <= student.biometric_consent_at <= timezone.now()
    assert student.biometric_consent_by == secretary


def test_unticking_consent_clears_when_and_by_whom(client: Client, secretary: User) -> None:
    student = StudentFactory(consenting=True, biometric_consent_by=SecretaryFactory())

    response = change(client, student, consent=False)

    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.biometric_consent, student.biometric_consent_at, student.biometric_consent_by) == (
        False,
        None,
        None,
    )


def test_saving_a_consenting_student_again_keeps_the_original_record(client: Client, secretary: User) -> None:
    first_secretary = SecretaryFactory()
    student = StudentFactory(consenting=True, biometric_consent_by=first_secretary)
    recorded_at = student.biometric_consent_at

    response = change(client, student, consent=True)

    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.biometric_consent_at, student.biometric_consent_by) == (recorded_at, first_secretary)


def test_a_new_student_added_with_consent_records_it(client: Client, secretary: User) -> None:
    response = add(client, consent=True)

    assert response.status_code == 302
    student = Student.objects.get(registration="2024003")
    assert student.biometric_consent is True
    assert student.biometric_consent_at is not None
    assert student.biometric_consent_by == secretary


def test_a_new_student_added_without_consent_has_no_consent_record(client: Client, secretary: User) -> None:
    response = add(client, consent=False)

    assert response.status_code == 302
    student = Student.objects.get(registration="2024003")
    assert (student.biometric_consent, student.biometric_consent_at, student.biometric_consent_by) == (
        False,
        None,
        None,
    )
