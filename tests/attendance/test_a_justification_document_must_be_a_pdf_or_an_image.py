"""A justification's document (a medical certificate) is a PDF, kept as sent, or an image, re-encoded; anything
else is refused with nothing stored; the stored name is a random one, never the uploaded name."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from attendance.models import Justification
from attendance.services.justifications import record_justification
from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/attendance/justification/add/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STORED_NAME = re.compile(r"^justifications/2026/03/[0-9a-f]{32}\.(pdf|jpg|png)$")


def scan_with_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ScannerMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (250, 250, 250)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("atestado.pdf", PDF)
    return buffer.getvalue()


@pytest.fixture
def student(db: None) -> Student:
    return StudentFactory()


@pytest.fixture
def secretary(db: None) -> Client:
    client = Client()
    client.force_login(SecretaryFactory())
    return client


def add_justification(client: Client, student: Student, document: SimpleUploadedFile) -> Any:
    return client.post(
        ADD,
        {
            "student": student.pk,
            "start_date": "2026-03-09",
            "end_date": "2026-03-10",
            "reason": "Atestado médico",
            "document": document,
        },
    )


def test_a_pdf_is_stored_as_sent_under_a_random_name(secretary: Client, student: Student) -> None:
    response = add_justification(
        secretary, student, SimpleUploadedFile("../../atestado.php.pdf", PDF, content_type="application/pdf")
    )

    assert response.status_code == 302
    justification = Justification.objects.get()
    assert STORED_NAME.match(justification.document.name) and justification.document.name.endswith(".pdf")
    with justification.document.open("rb") as stored:
        assert stored.read() == PDF


def test_an_image_is_stored_re_encoded_without_its_metadata(secretary: Client, student: Student) -> None:
    response = add_justification(
        secretary, student, SimpleUploadedFile("atestado.php", scan_with_exif(), content_type="image/jpeg")
    )

    assert response.status_code == 302
    justification = Justification.objects.get()
    assert STORED_NAME.match(justification.document.name) and justification.document.name.endswith(".jpg")
    with justification.document.open("rb") as stored:
        data = stored.read()
    assert b"ScannerMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()


NOT_A_DOCUMENT = "The document must be a PDF or an image (JPEG, PNG, WebP...)."
WRONG_TYPE = "The file's type does not match its content."


@pytest.mark.parametrize(
    ("name", "data", "content_type", "error"),
    [
        ("atestado.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", NOT_A_DOCUMENT),
        ("atestado.zip", a_zip(), "application/zip", NOT_A_DOCUMENT),
        ("atestado.pdf", PDF, "text/html", WRONG_TYPE),  # a PDF a browser would be told is a page
        ("atestado.jpg", scan_with_exif(), "text/html", WRONG_TYPE),
    ],
)
def test_anything_else_is_refused_and_nothing_stored(
    secretary: Client, student: Student, name: str, data: bytes, content_type: str, error: str, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"

    response = add_justification(secretary, student, SimpleUploadedFile(name, data, content_type=content_type))

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["document"] == [error]
    assert not Justification.objects.exists()


def test_the_service_refuses_a_document_that_is_neither() -> None:
    student = StudentFactory()

    with pytest.raises(ValidationError) as refusal:
        record_justification(
            student,
            dt.date(2026, 3, 9),
            dt.date(2026, 3, 10),
            "Atestado",
            document=SimpleUploadedFile("atestado.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
            by=None,
        )

    assert refusal.value.code == "not_a_document"
    assert not Justification.objects.exists()
