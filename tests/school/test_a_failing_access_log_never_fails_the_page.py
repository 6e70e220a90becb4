"""An access log entry that cannot be written is logged as an error; the page still serves what was asked."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from recognition.models import FacePhoto
from school.models import AccessLog, Student
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def student(db: None) -> Student:
    return StudentFactory(registration="2024001", consenting=True)


@pytest.fixture
def secretary_client(db: None) -> Client:
    client = Client()
    client.force_login(SecretaryFactory())
    return client


def face_photo(student: Student) -> FacePhoto:
    photo = FacePhoto(student=student, content_hash="1" * 64)
    photo.image.save("face.jpg", ContentFile(jpeg()), save=False)
    photo.save()
    return photo


def test_a_database_error_on_the_insert_still_serves_the_photo(
    secretary_client: Client, student: Student, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    photo = face_photo(student)

    def broken_save(self: AccessLog, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the disk is full")

    monkeypatch.setattr(AccessLog, "save", broken_save)

    with caplog.at_level(logging.ERROR, logger="school.services.access_log"):
        response = secretary_client.get(reverse("recognition:face-photo-image", args=[photo.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.image.open("rb").read()
    assert "access log: could not record face_photo" in caplog.text


def test_a_missing_access_log_table_still_serves_the_report_and_the_request_goes_on(
    postgres: None, secretary_client: Client, student: Student, caplog: Any
) -> None:
    # A real failed INSERT inside the test's transaction (PostgreSQL DDL is transactional: undone at the end).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE school_accesslog RENAME TO school_accesslog_gone")

    with caplog.at_level(logging.ERROR, logger="school.services.access_log"):
        response = secretary_client.get(
            "/api/reports/students/2024001.csv", {"from": "2026-03-01", "to": "2026-03-31"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("Subject;")
    assert "access log: could not record report_export" in caplog.text
    # The failed insert was rolled back to its savepoint: the transaction it ran in is still usable.
    assert Student.objects.filter(registration="2024001").exists()
