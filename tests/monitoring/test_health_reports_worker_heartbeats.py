"""With Redis, each Celery worker keeps a heartbeat key alive from the moment it is ready; /health reports the
workers it finds, and none as degraded. A worker that shuts down takes its key away; one that dies lets it expire."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery.signals import worker_ready, worker_shutdown
from rest_framework.test import APIClient

from monitoring import worker_heartbeat
from tests.factories import SecretaryFactory
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


class Worker:
    """What the signals' senders carry (a Consumer when ready, the WorkController at shutdown): a node name."""

    hostname = "celery@health-test"


WORKER = Worker()
KEY = f"heartbeat:worker:{WORKER.hostname}"


@pytest.fixture
def client_of_redis(settings: Any, redis_url: str) -> Iterator[redis.Redis]:
    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.keys("heartbeat:worker:*"), "nothing")  # what an interrupted run left
    worker_heartbeat.connect()  # MonitoringConfig.ready() does this in every process
    yield client
    worker_shutdown.send(sender=WORKER)
    client.delete(*client.keys("heartbeat:worker:*"), "nothing")
    client.close()


def workers_check() -> dict[str, Any]:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())
    response = staff.get("/api/background/health")
    assert response.json()["checks"]["redis"]["status"] == "ok"
    return response.json()["checks"]["workers"]


def test_a_ready_worker_is_reported_until_it_shuts_down(client_of_redis: redis.Redis) -> None:
    assert workers_check()["status"] == "down"  # no worker yet: degraded, not down (it is optional)

    worker_ready.send(sender=WORKER)
    wait_until(lambda: client_of_redis.exists(KEY), 5, "the worker wrote no heartbeat")

    check = workers_check()
    assert (check["status"], check["required"]) == ("ok", False)
    assert WORKER.hostname in check["detail"]
    assert json.loads(client_of_redis.get(KEY))["hostname"] == WORKER.hostname  # type: ignore[arg-type]
    assert 0 < client_of_redis.pttl(KEY) <= worker_heartbeat.TTL_S * 1000  # a dead worker's key expires

    worker_shutdown.send(sender=WORKER)

    assert not client_of_redis.exists(KEY)
    assert workers_check()["status"] == "down"


def test_no_worker_leaves_health_degraded(client_of_redis: redis.Redis) -> None:
    response = APIClient().get("/health")

    assert response.status_code == 200
    assert response.json()["checks"]["workers"] == {"status": "down", "required": False}
    assert response.json()["status"] == "degraded"
