"""The database is required: when a connection to it fails, /health says ``down`` with HTTP 503."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from monitoring.services import health
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The check's connection goes where no database is (the rest of the test keeps the real one)."""
    real = health.database_settings()
    if connection.vendor == "postgresql":
        elsewhere = {**real, "HOST": "127.0.0.1", "PORT": "9"}  # the discard port: nothing listens
    else:
        elsewhere = {**real, "NAME": str(tmp_path / "no such folder" / "db.sqlite3")}
    monkeypatch.setattr(health, "database_settings", lambda: elsewhere)


def test_health_is_down_with_503(unreachable_database: None) -> None:
    response = APIClient().get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["database"] == {"status": "down", "required": True}


def test_the_detailed_health_says_why(unreachable_database: None) -> None:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())

    response = staff.get("/api/background/health")

    assert response.status_code == 503
    database = response.json()["checks"]["database"]
    assert database["status"] == "down"
    assert database["detail"].startswith("OperationalError")
    assert database["ms"] >= 0
