"""Refusals the schema fuzzer does not provoke: an address no view answers, a body with too many files, a
download asked for by its own media type."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from recognition.models import Gallery
from tests.factories import ClassroomFactory, SecretaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


@pytest.mark.parametrize("path", ["/api/no/such/thing", "/api/faces/not-a-number", "/api/faces/999999"])
def test_an_api_address_that_names_nothing_is_a_json_404_not_found(secretary_api: APIClient, path: str) -> None:
    response = secretary_api.get(path)

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["code"] == "not_found" and response.json()["detail"]


def test_outside_the_api_a_missing_page_is_still_the_html_page(client: Client) -> None:
    response = client.get("/no/such/page")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_an_upload_of_more_files_than_allowed_is_a_413_request_too_large(
    secretary_api: APIClient, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    gallery = Gallery.objects.create(title="Formatura")
    files = [SimpleUploadedFile(f"{n}.jpg", b"not a picture") for n in range(3)]

    response = secretary_api.post(f"/api/galleries/{gallery.pk}/photos", {"files": files}, format="multipart")

    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert not gallery.photos.exists()


@pytest.mark.parametrize(("suffix", "media_type"), [("csv", "text/csv"), ("pdf", "application/pdf")])
def test_a_download_asked_for_by_its_media_type_is_served(
    secretary_api: APIClient, suffix: str, media_type: str
) -> None:
    ClassroomFactory(code="3AT.I")

    response = secretary_api.get(f"/api/reports/classrooms/3AT.I/diary.{suffix}", HTTP_ACCEPT=media_type)

    assert response.status_code == 200 and response["Content-Type"].startswith(media_type)


def test_a_download_refused_is_a_json_refusal_whatever_accept_asks(secretary_api: APIClient) -> None:
    response = secretary_api.get("/api/reports/classrooms/nowhere/diary.csv", HTTP_ACCEPT="text/csv")

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["code"] == "not_found"
