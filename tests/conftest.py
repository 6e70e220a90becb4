from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.services import POSTGRES, REDIS, Service, in_ci

FIXTURES = Path(__file__).parent / "fixtures"


def require(service: Service) -> None:
    """Skip the test when `service` is down; under CI=true that is a failure instead."""
    if service.reachable:
        return
    if in_ci():
        pytest.fail(f"{service.name} is required under CI=true and is not reachable at {service.url}")
    pytest.skip(f"{service.name} is not reachable at {service.url}")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Path) -> None:
    # Uploaded files go to a per-test folder; static files need no collectstatic manifest.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def postgres(db: None) -> None:
    """The test runs on PostgreSQL (the database under CI); elsewhere it is skipped."""
    if connection.vendor != "postgresql":
        if in_ci():
            pytest.fail("CI=true: the suite must run on PostgreSQL (DATABASE_URL)")
        pytest.skip("needs PostgreSQL: run the suite with DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url() -> Iterator[str]:
    require(REDIS)
    yield REDIS.url


@pytest.fixture
def postgres_service() -> None:
    require(POSTGRES)


@pytest.fixture
def fixture_path() -> Path:
    return FIXTURES
