"""On a student's page, a secretary records the consent a guardian signed (the guardian chosen among the student's
own, the signed form attached), then its withdrawal; the history lists both, read-only, and the form is served
only to staff who may see consent records."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recognition.models import FacePhoto
from school.consent_admin import RecordConsentFormSet
from school.models import ConsentRecord, Guardian, Student
from school.services.consent import current_terms
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.school.consent_support import PDF, record_form_errors, record_on_student_page, student_page_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(settings: object) -> None:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


@pytest.fixture
def secretary(client: Client) -> User:
    user = SecretaryFactory()
    client.force_login(user)
    return user


@pytest.fixture
def student(db: None) -> Student:
    return StudentFactory(full_name="Barack Obama")


@pytest.fixture
def mother(student: Student) -> Guardian:
    return Guardian.objects.create(student=student, name="Michelle Obama", relation="mãe")


def test_the_guardian_chosen_and_the_signed_form_are_kept_with_the_current_terms(
    client: Client, secretary: User, student: Student, mother: Guardian
) -> None:
    form = SimpleUploadedFile("Termo assinado da Michelle.pdf", PDF, content_type="application/pdf")

    response = record_on_student_page(
        client, student, action="grant", guardian=str(mother.pk), signed_form=form, given_by="", relation=""
    )

    assert response.status_code == 302, record_form_errors(response)
    student.refresh_from_db()
    record = ConsentRecord.objects.get(student=student)
    assert (student.biometric_consent, student.biometric_consent_terms) == (True, current_terms("biometric"))
    assert student.biometric_consent_by == secretary and student.biometric_consent_at == record.recorded_at
    assert (record.kind, record.granted, record.terms, record.guardian) == (
        "biometric",
        True,
        current_terms("biometric"),
        mother,
    )
    assert (record.given_by, record.relation, record.recorded_by) == ("Michelle Obama", "mãe", secretary)
    # Stored under a random name, never the uploaded one.
    assert record.signed_form.name.startswith(f"consent/{student.pk}/") and record.signed_form.name.endswith(".pdf")
    assert "Michelle" not in record.signed_form.name
    page = client.get(f"/admin/school/student/{student.pk}/change/").content.decode()
    assert f"/admin/school/consentrecord/{record.pk}/signed-form/" in page
    download = client.get(f"/admin/school/consentrecord/{record.pk}/signed-form/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_only_the_students_own_guardians_can_be_chosen(
    client: Client, secretary: User, student: Student, mother: Guardian
) -> None:
    stranger = Guardian.objects.create(student=StudentFactory(), name="Jill Biden", relation="mãe")
    url = f"/admin/school/student/{student.pk}/change/"

    data = student_page_data(client, url, action="grant", guardian=str(stranger.pk))
    response = client.post(url, data)

    assert response.status_code == 200 and record_form_errors(response)
    assert not ConsentRecord.objects.exists()
    record_form = next(
        inline.formset.forms[0]
        for inline in client.get(url).context["inline_admin_formsets"]
        if isinstance(inline.formset, RecordConsentFormSet)
    )
    assert list(record_form.fields["guardian"].queryset) == [mother]


def test_without_a_guardian_the_name_of_who_gave_it_is_required(
    client: Client, secretary: User, student: Student
) -> None:
    refused = record_on_student_page(client, student, action="grant", given_by=" ")
    accepted = record_on_student_page(client, student, action="grant", given_by="Ana  Souza", relation="avó")

    assert refused.status_code == 200 and record_form_errors(refused)
    assert accepted.status_code == 302, record_form_errors(accepted)
    record = ConsentRecord.objects.get()
    assert (record.guardian, record.given_by, record.relation, bool(record.signed_form)) == (
        None,
        "Ana Souza",
        "avó",
        False,
    )


def test_a_form_that_is_neither_a_pdf_nor_an_image_is_refused_and_nothing_is_recorded(
    client: Client, secretary: User, student: Student, mother: Guardian
) -> None:
    page = SimpleUploadedFile("termo.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")

    response = record_on_student_page(client, student, action="grant", guardian=str(mother.pk), signed_form=page)

    assert response.status_code == 200 and record_form_errors(response)
    assert not ConsentRecord.objects.exists()
    student.refresh_from_db()
    assert student.biometric_consent is False


def test_the_withdrawal_is_recorded_after_the_grant_and_deletes_the_face_data(
    client: Client, secretary: User, student: Student, mother: Guardian
) -> None:
    assert record_on_student_page(client, student, action="grant", guardian=str(mother.pk)).status_code == 302
    FacePhoto.objects.create(student=student, content_hash="1" * 64)

    response = record_on_student_page(client, student, action="withdraw", guardian=str(mother.pk))

    assert response.status_code == 302, record_form_errors(response)
    student.refresh_from_db()
    assert (student.biometric_consent, student.biometric_consent_terms, student.biometric_consent_at) == (
        False,
        None,
        None,
    )
    history = list(ConsentRecord.objects.filter(student=student).order_by("recorded_at", "id"))
    assert [(r.granted, r.given_by, r.terms) for r in history] == [
        (True, "Michelle Obama", current_terms("biometric")),
        (False, "Michelle Obama", current_terms("biometric")),
    ]
    assert not FacePhoto.objects.filter(student=student).exists()
    nothing_left = record_on_student_page(client, student, action="withdraw", given_by="Michelle Obama")
    assert nothing_left.status_code == 200 and record_form_errors(nothing_left)
    assert ConsentRecord.objects.count() == 2


def test_the_history_is_read_only_and_the_consent_box_is_gone(
    client: Client, secretary: User, student: Student, mother: Guardian
) -> None:
    record_on_student_page(client, student, action="grant", guardian=str(mother.pk))
    url = f"/admin/school/student/{student.pk}/change/"
    data = student_page_data(client, url)
    data["biometric_consent"] = ""  # a forged post of the old checkbox, unticked

    assert client.post(url, data).status_code == 302

    student.refresh_from_db()
    assert student.biometric_consent is True
    assert client.get("/admin/school/consentrecord/add/").status_code == 403
    record = ConsentRecord.objects.get()
    assert client.post(f"/admin/school/consentrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ConsentRecord.objects.count() == 1
    page = client.get(url).content.decode()
    assert 'name="biometric_consent"' not in page and "Michelle Obama" in page
    listing = client.get("/admin/school/consentrecord/")
    assert listing.status_code == 200 and [r.pk for r in listing.context["cl"].result_list] == [record.pk]
    assert client.get(f"/admin/school/consentrecord/{record.pk}/change/").status_code == 200  # view only


def test_a_teacher_cannot_download_a_signed_form(student: Student, mother: Guardian) -> None:
    secretary = Client()
    secretary.force_login(SecretaryFactory())
    form = SimpleUploadedFile("termo.pdf", PDF, content_type="application/pdf")
    record_on_student_page(secretary, student, action="grant", guardian=str(mother.pk), signed_form=form)
    record = ConsentRecord.objects.get()
    teacher = Client()
    teacher.force_login(TeacherFactory())

    response = teacher.get(f"/admin/school/consentrecord/{record.pk}/signed-form/")

    assert response.status_code in (302, 403)
