"""Django starts without the face models (they load on first use), so the kiosk's workers load them as soon as a
kiosk connects, while it starts its camera: its first frame does not wait ~3 s for them. Once per process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cameras import consumers
from school.asgi import application
from tests.factories import ClassroomFactory, TeacherFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db


class WarmUps:
    def __init__(self) -> None:
        self.threads: list[str] = []
        self.done = threading.Event()

    def __call__(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.done.set()


@pytest.fixture
def warm_ups(monkeypatch: pytest.MonkeyPatch) -> Iterator[WarmUps]:
    recorder = WarmUps()
    monkeypatch.setattr(consumers, "warm_up_camera_detector", recorder)
    consumers._forget_pool()  # a fresh process's pool
    yield recorder
    consumers._forget_pool()


async def test_the_first_kiosk_to_connect_starts_loading_the_models_in_a_kiosk_worker(warm_ups: WarmUps) -> None:
    classroom = await database_sync_to_async(ClassroomFactory)(code="3AT.I")
    teacher: Any = await database_sync_to_async(lambda: session_headers(TeacherFactory(classrooms=[classroom])))()

    for _ in range(2):
        communicator = WebsocketCommunicator(application, "/ws/frames/3AT.I/", headers=teacher)
        connected, _code = await communicator.connect()
        assert connected
        await communicator.disconnect()

    assert await asyncio.to_thread(warm_ups.done.wait, 5)
    assert len(warm_ups.threads) == 1 and warm_ups.threads[0].startswith("kiosk")
