"""With Redis, the channel layer on it, a fresh monitor, a ready worker and its alert brokers answering, /health
is ``ok``; the detailed answer says how long each check took."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.utils import timezone
from rest_framework.test import APIClient

from monitoring.models import MonitorHeartbeat
from monitoring.worker_heartbeat import WorkerHeartbeat
from tests.factories import SecretaryFactory
from tests.markers import committing_db
from tests.monitoring.fakes import use_handlers

pytestmark = committing_db  # the checks' threads read committed rows


@pytest.fixture
def everything_up(monkeypatch: pytest.MonkeyPatch, settings: Any, redis_url: str) -> Iterator[None]:
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    use_handlers(monkeypatch, settings, "recording")  # its check answers (the default: nothing to reach)
    MonitorHeartbeat.objects.create(name="host:test", host="test", pid=1, beat_at=timezone.now())
    worker = WorkerHeartbeat(redis_url, "celery@everything-up").start()
    client = redis.Redis.from_url(redis_url)
    try:
        yield
    finally:
        worker.stop()
        client.close()


def test_health_is_ok(everything_up: None) -> None:
    response = APIClient().get("/health")

    assert (response.status_code, response.json()["status"]) == (200, "ok"), response.json()
    assert {name: check["status"] for name, check in response.json()["checks"].items()} == {
        "database": "ok",
        "redis": "ok",
        "channel_layer": "ok",
        "handler:recording": "ok",
        "face_models": "ok",
        "monitors": "ok",
        "workers": "ok",
    }


def test_the_detailed_health_times_each_check(everything_up: None) -> None:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())

    checks = staff.get("/api/background/health").json()["checks"]

    assert all(0 <= check["ms"] < 800 for check in checks.values())
    assert checks["monitors"]["detail"] == "1 monitor: host:test."
    assert checks["workers"]["detail"] == "1 worker: celery@everything-up."
