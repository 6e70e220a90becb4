from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_documents_the_recognition_endpoints(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/students/{student_id}/faces", "/api/faces/{id}", "/api/recognize"} <= set(paths)
    assert {"get", "post"} <= set(paths["/api/students/{student_id}/faces"])
    assert "multipart/form-data" in paths["/api/recognize"]["post"]["requestBody"]["content"]


def test_the_api_docs_page_loads(client: Client) -> None:
    client.force_login(SecretaryFactory())

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn.jsdelivr.net" not in response.content  # served locally (sidecar): no third party sees staff use it
