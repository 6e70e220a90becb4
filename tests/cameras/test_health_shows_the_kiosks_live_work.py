"""/health tells how the kiosks of this process are doing: the face models loaded, the sockets open per consumer,
the frames processed and dropped, the frame cache's size and hit rate, and the processing time."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from cameras.services.kiosk_stats import KIOSK_STATS
from tests.cameras.kiosk_frames import open_eyes
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


@pytest.fixture(autouse=True)
def _fresh_stats() -> None:
    KIOSK_STATS.reset()


def health() -> dict[str, Any]:
    response = Client().get("/health")
    assert response.status_code in (200, 503)
    return dict(response.json()["live"])


async def test_health_counts_the_kiosks_frames_sockets_and_cache(settings: Any) -> None:
    settings.MIN_FRAME_INTERVAL = 0.5
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)
    frame = open_eyes(LIN, 0)
    await ask(socket, frame, gap_s=0.6)
    await ask(socket, frame, gap_s=0.6)  # the same bytes: from the cache
    await socket.send_to(bytes_data=open_eyes(LIN, 1))
    await socket.send_to(bytes_data=open_eyes(LIN, 2))  # while the first is recognised, and too soon: dropped
    await socket.receive_json_from(timeout=20)

    live = await database_sync_to_async(health)()

    assert live["model_loaded"] is True
    assert live["sockets"]["frames"] == 1
    kiosk_figures = live["kiosk"]
    assert kiosk_figures["frames"] == 2
    assert kiosk_figures["dropped"] == {"rate_limit": 0, "busy": 1}
    assert kiosk_figures["cache"]["hits"] == 1 and kiosk_figures["cache"]["misses"] == 2
    assert kiosk_figures["cache"]["size"] == 2 and kiosk_figures["cache"]["hit_rate"] == pytest.approx(1 / 3, abs=0.01)
    assert kiosk_figures["processing"]["frames"] == 2 and 0 < kiosk_figures["processing"]["mean_s"]
    assert kiosk_figures["processing"]["p95_s"] >= kiosk_figures["processing"]["mean_s"] * 0.5

    await socket.disconnect()
    assert (await database_sync_to_async(health)())["sockets"]["frames"] == 0
