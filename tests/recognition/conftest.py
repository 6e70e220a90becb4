from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory
from tests.support.images import fixture_bytes


@pytest.fixture
def secretary_api(db: None) -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


@pytest.fixture
def consenting_student(db: None) -> Student:
    return StudentFactory(consenting=True)


def upload(client: APIClient, student: Student, name: str, data: bytes | None = None) -> Any:
    """POST one photo (a fixture by name, or `data` under that name) to the student's faces endpoint."""
    image = SimpleUploadedFile(name, fixture_bytes(name) if data is None else data)
    return client.post(f"/api/students/{student.pk}/faces", {"image": image}, format="multipart")


def recognize(client: APIClient, data: bytes, **params: Any) -> Any:
    return client.post("/api/recognize", {"image": SimpleUploadedFile("query.jpg", data), **params}, format="multipart")
