from __future__ import annotations

import pytest

from monitoring.models import Alert
from monitoring.monitors.camera import CameraMonitor
from tests.cameras.factories import CameraFactory
from tests.monitoring.monitor_support import fake_camera
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db

WINDOW_S = 3.0


def test_a_camera_that_drops_off_and_returns_within_the_window_stays_online() -> None:
    monitor = CameraMonitor(offline_after_s=WINDOW_S, probe_timeout_s=0.5)
    with fake_camera() as server:
        camera = CameraFactory(stream_url=server.url)
        port = server.port
        assert monitor.tick()["cameras"][str(camera.pk)]["online"] is True

    # The blink: the camera is gone for a moment, and the monitor notices.
    report = monitor.tick()["cameras"][str(camera.pk)]
    assert report["error"], "the probe should have failed while the camera was away"

    with fake_camera(port) as server:
        assert monitor.tick()["cameras"][str(camera.pk)]["online"] is True
        assert not Alert.objects.exists(), "a blink shorter than CAMERA_OFFLINE_AFTER_S raised an alert"

    # The same absence for longer than the window does raise one.
    wait_until(lambda: monitor.tick() and Alert.objects.filter(type="camera_offline").exists(), 10, "never offline")
