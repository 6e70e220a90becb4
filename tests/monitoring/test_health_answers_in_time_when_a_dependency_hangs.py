"""/health answers within HEALTH_TIMEOUT_S even when a dependency accepts the connection and never answers: that
check is ``timeout``, and later probes neither wait longer nor pile up threads on it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that completes the TCP handshake (the kernel's backlog) and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0), backlog=32)
    yield server.getsockname()[1]
    server.close()  # the waiting clients are reset: the checks' threads end


def health_threads(name: str) -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == f"health-{name}" and thread.is_alive())


def test_a_hung_redis_is_a_timeout_within_the_deadline(settings: Any, silent_server: int) -> None:
    settings.HEALTH_TIMEOUT_S = 0.8
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_server}/0"

    for _probe in range(3):
        started = time.monotonic()
        response = APIClient().get("/health")
        elapsed = time.monotonic() - started

        assert elapsed < settings.HEALTH_TIMEOUT_S + 0.5
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "down"
        assert body["checks"]["redis"] == {"status": "timeout", "required": True}
        assert body["checks"]["workers"] == {"status": "timeout", "required": False}
        assert health_threads("redis") == 1  # every probe waits on the one hung check, none starts another
