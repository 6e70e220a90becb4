from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from cameras.models import Camera
from cameras.services.lease import Lease, acquire_lease
from monitoring.models import Alert, AlertStatus
from monitoring.monitors.camera import CameraMonitor
from tests.cameras.factories import CameraFactory
from tests.monitoring.monitor_support import Clock

pytestmark = pytest.mark.django_db


class NoProbe:
    """Fails the test if called: a camera whose processor runs must not get a second client."""

    def __call__(self, url: str, timeout_s: float) -> str | None:
        pytest.fail(f"probed {url} although its processor runs")


@pytest.fixture
def camera_with_processor() -> Iterator[Camera]:
    camera = CameraFactory()
    lease = acquire_lease(camera.pk, owner="a-processor")
    assert isinstance(lease, Lease)
    yield camera
    lease.release()


def frame_at(camera: Camera, at: dt.datetime) -> None:
    Camera.objects.filter(pk=camera.pk).update(last_frame_at=at, state=Camera.State.RUNNING)


def test_fresh_frames_keep_it_online_and_stale_ones_make_it_offline(camera_with_processor: Camera) -> None:
    camera = camera_with_processor
    clock = Clock()
    monitor = CameraMonitor(probe=NoProbe(), now=clock, offline_after_s=30)

    frame_at(camera, clock())
    assert monitor.tick()["cameras"][str(camera.pk)]["online"] is True
    clock.advance(25)  # the processor stalls (reconnecting): still within the window
    assert monitor.tick()["cameras"][str(camera.pk)]["online"] is True
    assert not Alert.objects.exists()

    clock.advance(10)  # 35 s without a frame
    monitor.tick()
    alert = Alert.objects.get(type="camera_offline")
    assert alert.payload["processor_running"] is True

    clock.advance(1)
    frame_at(camera, clock())  # frames again
    assert monitor.tick()["cameras"][str(camera.pk)]["online"] is True
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
