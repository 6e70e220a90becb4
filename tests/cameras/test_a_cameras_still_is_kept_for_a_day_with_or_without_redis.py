"""A camera's still (its latest unannotated frame, for the analytics editor) replaces the one before and lasts a
day, both in the embedded mode's dict and in Redis; it is not the live frame, which lasts seconds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cameras.services import frames
from cameras.services.connections import redis_client
from cameras.services.frames import STILL_TTL_S, latest_frame, latest_still, publish_frame, publish_still


@pytest.fixture(autouse=True)
def _no_stills_left_behind(settings: Any, camera_id: int) -> Iterator[None]:
    yield
    frames._stills.clear()
    if settings.REDIS_URL:
        redis_client(settings.REDIS_URL).delete(*(frames.still_key(camera_id + n) for n in (0, 1)))


def test_the_latest_still_replaces_the_one_before(backend: str, camera_id: int) -> None:
    assert latest_still(camera_id) is None

    publish_still(camera_id, b"first")
    publish_still(camera_id, b"second")

    assert latest_still(camera_id) == b"second"
    assert latest_still(camera_id + 1) is None  # per camera


def test_a_still_is_not_the_live_frame(backend: str, camera_id: int) -> None:
    publish_still(camera_id, b"raw")
    publish_frame(camera_id, b"annotated")

    assert (latest_still(camera_id), latest_frame(camera_id)) == (b"raw", b"annotated")


def test_a_still_lasts_a_day_without_redis(monkeypatch: pytest.MonkeyPatch, settings: Any, camera_id: int) -> None:
    settings.REDIS_URL = ""
    now = 1000.0
    monkeypatch.setattr(frames.time, "monotonic", lambda: now)
    publish_still(camera_id, b"still")

    now += STILL_TTL_S - 1
    assert latest_still(camera_id) == b"still"
    now += 1
    assert latest_still(camera_id) is None
    assert camera_id not in frames._stills  # an expired still does not stay in memory


def test_a_still_lasts_a_day_in_redis(settings: Any, redis_url: str, camera_id: int) -> None:
    settings.REDIS_URL = redis_url
    publish_still(camera_id, b"still")

    ttl_ms = redis_client(redis_url).pttl(f"camera:{camera_id}:still")

    assert STILL_TTL_S * 1000 - 60_000 < ttl_ms <= STILL_TTL_S * 1000
