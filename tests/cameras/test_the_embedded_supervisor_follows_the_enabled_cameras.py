from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from channels.db import database_sync_to_async

from cameras.models import Camera
from cameras.services.lease import acquire_lease
from cameras.services.supervisor import CameraSupervisor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db

pytestmark = committing_db


class FakeProcessors:
    """Stands in for run_processor: records which cameras run, and runs until told to stop."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.started: list[int] = []

    def __call__(self, camera_id: int, *, stop: threading.Event) -> str:
        self.started.append(camera_id)
        self.running.add(camera_id)
        stop.wait(30)
        self.running.discard(camera_id)
        return "stopped"


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_processors_start_for_enabled_cameras_and_stop_when_disabled() -> None:
    enabled = await database_sync_to_async(CameraFactory)()
    disabled = await database_sync_to_async(CameraFactory)(enabled=False)
    elsewhere = await database_sync_to_async(CameraFactory)()
    lease = acquire_lease(elsewhere.pk, owner="another-process")  # someone already runs this one
    processors = FakeProcessors()
    supervisor = CameraSupervisor(interval_s=0.1, processor=processors)
    supervisor.start()
    try:
        await eventually(lambda: processors.running == {enabled.pk})

        await database_sync_to_async(Camera.objects.filter(pk=enabled.pk).update)(enabled=False)
        await database_sync_to_async(Camera.objects.filter(pk=disabled.pk).update)(enabled=True)
        await eventually(lambda: processors.running == {disabled.pk})
        await asyncio.sleep(0.3)  # a few more rounds: nothing is started twice
    finally:
        await supervisor.stop()
        assert lease is not None and lease.release()

    assert processors.running == set()
    assert sorted(processors.started) == sorted([enabled.pk, disabled.pk])
