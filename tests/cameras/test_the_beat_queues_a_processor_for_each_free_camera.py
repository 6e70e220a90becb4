from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from cameras import tasks
from cameras.services.lease import acquire_lease, lease_key, queued_key
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db


class QueuedTasks:
    def __init__(self) -> None:
        self.camera_ids: list[int] = []

    def delay(self, camera_id: int) -> None:
        self.camera_ids.append(camera_id)


@pytest.fixture
def redis_mode(redis_url: str, settings: Any) -> Iterator[None]:
    settings.REDIS_URL = redis_url
    conf = tasks.ensure_camera_processors.app.conf  # Celery's settings object cannot be monkeypatched
    eager, conf.task_always_eager = conf.task_always_eager, False
    yield
    conf.task_always_eager = eager


def test_enabled_cameras_nobody_runs_are_queued_once(
    redis_mode: None, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = QueuedTasks()
    monkeypatch.setattr(tasks, "run_camera", queued)
    free, running, disabled = CameraFactory(), CameraFactory(), CameraFactory(enabled=False)
    client = redis.Redis.from_url(redis_url)
    for camera in (free, running, disabled):
        client.delete(lease_key(camera.pk), queued_key(camera.pk))  # left by an interrupted run on the same ids
    lease = acquire_lease(running.pk)
    assert lease is not None

    try:
        first = tasks.ensure_camera_processors()
        again = tasks.ensure_camera_processors()  # the next beat, before a worker picked the task up
    finally:
        lease.release()
        client.delete(queued_key(free.pk))
        client.close()

    assert (first, again) == (1, 0)
    assert queued.camera_ids == [free.pk]


def test_in_the_embedded_mode_the_beat_queues_nothing() -> None:
    CameraFactory()

    assert tasks.ensure_camera_processors() == 0  # the web process supervises its cameras; a task would block
