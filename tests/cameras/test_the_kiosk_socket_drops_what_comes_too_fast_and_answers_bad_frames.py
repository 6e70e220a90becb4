"""The kiosk socket takes at most one frame at a time and one per MIN_FRAME_INTERVAL: the rest is dropped and
counted, never queued. A frame it cannot use gets a detection_error with a reason code, and the socket goes on."""

from __future__ import annotations

import base64
import json
from typing import Any

import cv2
import numpy as np
import pytest

from cameras.services.kiosk_stats import KIOSK_STATS
from tests.cameras.kiosk_frames import open_eyes
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


@pytest.fixture(autouse=True)
def _fresh_stats() -> None:
    KIOSK_STATS.reset()


async def test_frames_sent_in_a_burst_get_one_answer_and_the_rest_is_counted_as_dropped(settings: Any) -> None:
    settings.MIN_FRAME_INTERVAL = 0.5
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)

    for seed in range(6):
        await socket.send_to(bytes_data=open_eyes(LIN, seed))
    first = await socket.receive_json_from(timeout=20)

    assert first["type"] == "detection_results"
    assert await socket.receive_nothing(timeout=1.0)  # the five others were dropped, not queued
    dropped = KIOSK_STATS.snapshot()["dropped"]
    assert dropped["rate_limit"] + dropped["busy"] == 5
    assert KIOSK_STATS.snapshot()["frames"] == 1
    await socket.disconnect()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"bytes_data": b"\xff\xd8 not really a jpeg"}, "bad_image"),
        ({"bytes_data": cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()}, "bad_image"),
        ({"bytes_data": b"\x00" * 60_000}, "too_large"),
        ({"text_data": "not json"}, "bad_message"),
        ({"text_data": json.dumps({"type": "hello"})}, "bad_message"),
        ({"text_data": json.dumps({"type": "process_frame", "image": "***"})}, "bad_message"),
    ],
    ids=["not-an-image", "a-speck", "oversized", "not-json", "unknown-type", "bad-base64"],
)
async def test_a_frame_it_cannot_use_gets_a_reason_and_the_socket_goes_on(
    settings: Any, message: dict[str, Any], code: str
) -> None:
    settings.KIOSK_MAX_FRAME_BYTES = 50_000
    settings.MIN_FRAME_INTERVAL = 0.0
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)

    await socket.send_to(**message)
    error = await socket.receive_json_from(timeout=20)

    assert error["type"] == "detection_error" and error["code"] == code and error["detail"]
    small = open_eyes(LIN, 0)
    assert len(small) < 50_000
    assert (await ask(socket, small))["type"] == "detection_results"
    await socket.disconnect()


async def test_a_base64_frame_in_json_is_accepted_too(settings: Any) -> None:
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)
    image = "data:image/jpeg;base64," + base64.b64encode(open_eyes(LIN, 0)).decode()

    await socket.send_to(text_data=json.dumps({"type": "process_frame", "image": image}))
    reply = await socket.receive_json_from(timeout=20)

    assert reply["type"] == "detection_results" and reply["frame"]["width"] > 0
    await socket.disconnect()
