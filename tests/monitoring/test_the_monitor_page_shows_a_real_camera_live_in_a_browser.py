"""End to end, in a real browser: a camera processor reads the fake ESP32-CAM, and the monitor page (daphne, over
the Redis channel layer) shows its measured fps and the people in view, a zone intrusion alert the moment the
pipeline raises it, and the card turning offline when the camera stops."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from cameras.mjpeg import MjpegServer
from tests.cameras.conftest import ProcessorThread, fake_camera, processor_thread, quick_processor
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser]
__all__ = ["fake_camera", "processor_thread", "quick_processor"]  # the camera tests' fixtures, used here

WATCHED_STAGE = {
    "zones": [{"id": "palco", "points": [[0, 0], [1, 0], [1, 1], [0, 1]], "schedule": "always", "concerns": "everyone"}]
}


@pytest.fixture
def redis_everywhere(settings: Any, redis_url: str) -> str:
    """The processor (here) and the web server (a child process, forked after this) share Redis: the channel
    layer and the processors' live state, as a worker and a web server do in production."""
    settings.REDIS_URL = redis_url
    return redis_url


def test_the_page_follows_a_real_camera_from_running_to_offline(
    redis_everywhere: str,
    asgi_live_server: str,
    page: Any,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
) -> None:
    camera = CameraFactory(name="Câmera do palco", stream_url=fake_camera.url, analytics=WATCHED_STAGE)
    secretary = SecretaryFactory()
    log_in(page, asgi_live_server, secretary.username, "/monitor/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    card = page.locator(f'.camera-card[data-camera-id="{camera.pk}"]')
    expect(card).to_have_attribute("data-state", "offline")  # no processor yet

    processor_thread(camera.pk)

    expect(card).to_have_attribute("data-state", "running", timeout=20_000)
    expect(card.locator('[data-field="fps"]')).to_have_text(re.compile(r"^\d+(,\d+)?$"), timeout=15_000)
    expect(card.locator('[data-field="people"]')).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=20_000)
    intrusion = page.locator('#alerts .alert[data-status="open"]', has_text="Câmera do palco")
    # At least one: on a loaded machine the tracker may lose a person between analysed frames and their new track
    # raises its own alert (one per track and zone is tested in tests/cameras).
    expect(intrusion.first).to_be_visible(timeout=20_000)

    fake_camera.stop()

    expect(card).to_have_attribute("data-state", "offline", timeout=20_000)
    expect(card.locator('[data-field="error"]')).not_to_be_empty()
