from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attendance.models import Justification
from attendance.services.justifications import record_justification
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_the_service_refuses_it_and_records_nothing() -> None:
    with pytest.raises(ValidationError) as refusal:
        record_justification(
            StudentFactory(), dt.date(2026, 3, 10), dt.date(2026, 3, 9), "Atestado médico", by=SecretaryFactory()
        )

    assert refusal.value.code == "ends_before_start"
    assert "2026-03-09" in refusal.value.messages[0] and "2026-03-10" in refusal.value.messages[0]
    assert not Justification.objects.exists()


def test_the_service_records_a_one_day_justification_with_its_document() -> None:
    secretary = SecretaryFactory()
    document = SimpleUploadedFile("atestado.pdf", b"%PDF-1.4", content_type="application/pdf")

    justification = record_justification(
        StudentFactory(), dt.date(2026, 3, 9), dt.date(2026, 3, 9), "Atestado", document=document, by=secretary
    )

    assert justification.recorded_by == secretary
    assert justification.document.name.startswith("justifications/2026/03/") and justification.document.name.endswith(
        ".pdf"
    )


def test_the_admin_refuses_it_and_records_who_added_a_valid_one(client: Client) -> None:
    admin = SecretaryFactory(is_superuser=True)
    client.force_login(admin)
    student = StudentFactory()
    form = {"student": student.pk, "reason": "Atestado médico"}

    refused = client.post(
        "/admin/attendance/justification/add/",
        {**form, "start_date": "2026-03-10", "end_date": "2026-03-09"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    accepted = client.post(
        "/admin/attendance/justification/add/",
        {**form, "start_date": "2026-03-09", "end_date": "2026-03-11"},
    )

    assert refused.status_code == 200 and "The last day cannot come before the first." in refused.content.decode()
    assert accepted.status_code == 302
    assert Justification.objects.get().recorded_by == admin
