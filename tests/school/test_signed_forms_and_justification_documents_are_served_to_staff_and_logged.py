"""A signed consent form and a justification's document (often a medical certificate) are served only by views that
check the viewer and write an access log entry: media files are never served publicly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from attendance.models import Justification
from school.models import AccessKind, AccessLog, ConsentKind, Student
from school.services.consent import grant_consent
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def student(db: None) -> Student:
    return StudentFactory(registration="2024001")


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_secretary_opens_a_signed_consent_form_and_the_access_is_logged(student: Student) -> None:
    secretary = SecretaryFactory()
    record = grant_consent(
        student,
        ConsentKind.BIOMETRIC,
        given_by="Maria Lima",
        relation="mãe",
        signed_form=ContentFile(PDF, name="termo.pdf"),
        recorded_by=secretary,
    )
    client = Client()
    client.force_login(secretary)

    response = client.get(reverse("admin:school_consentrecord_signed_form", args=[record.pk]), REMOTE_ADDR="192.0.2.9")

    assert response.status_code == 200 and body(response) == PDF
    entry = AccessLog.objects.get()
    assert (entry.kind, entry.student, entry.username, entry.ip) == (
        AccessKind.CONSENT_FORM,
        student,
        secretary.username,
        "192.0.2.9",
    )


def test_a_justification_document_is_served_to_a_secretary_logged_and_refused_to_another_classs_teacher(
    student: Student,
) -> None:
    own_teacher = TeacherFactory()
    classroom = ClassroomFactory()
    classroom.teachers.add(own_teacher)
    EnrollmentFactory(student=student, classroom=classroom)
    justification = Justification(student=student, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 3))
    justification.document.save("x.pdf", ContentFile(PDF), save=False)
    justification.save()
    url = reverse("attendance:justification-document", args=[justification.pk])
    teacher, classs_teacher, secretary = Client(), Client(), Client()
    teacher.force_login(TeacherFactory())
    classs_teacher.force_login(own_teacher)
    secretary.force_login(SecretaryFactory())

    refused = teacher.get(url)
    served_to_the_teacher = classs_teacher.get(url)
    served = secretary.get(url)

    assert refused.status_code == 403
    assert served_to_the_teacher.status_code == 200 and body(served_to_the_teacher) == PDF
    assert served.status_code == 200 and body(served) == PDF
    assert "attachment" in served["Content-Disposition"] and "2024001" in served["Content-Disposition"]
    assert AccessLog.objects.count() == 2  # each serve, not the refusal
    entry = AccessLog.objects.latest("id")
    assert (entry.kind, entry.student, entry.target) == (
        AccessKind.JUSTIFICATION_DOCUMENT,
        student,
        f"justification {justification.pk}",
    )


def test_the_justification_admin_links_its_document_through_the_logged_view(student: Student) -> None:
    justification = Justification(student=student, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 3))
    justification.document.save("x.pdf", ContentFile(PDF), save=False)
    justification.save()
    client = Client()
    client.force_login(SecretaryFactory())

    page = client.get(reverse("admin:attendance_justification_change", args=[justification.pk])).content.decode()
    listing = client.get(reverse("admin:attendance_justification_changelist")).content.decode()

    served = reverse("attendance:justification-document", args=[justification.pk])
    assert f'href="{served}"' in page and f'href="{served}"' in listing
    assert "/media/" not in page and "/media/" not in listing
