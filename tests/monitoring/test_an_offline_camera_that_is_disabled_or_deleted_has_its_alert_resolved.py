from __future__ import annotations

import pytest

from cameras.models import Camera
from monitoring.models import Alert, AlertStatus
from monitoring.monitors.camera import CameraMonitor
from tests.cameras.factories import CameraFactory
from tests.monitoring.monitor_support import Clock

pytestmark = pytest.mark.django_db


def unreachable(url: str, timeout_s: float) -> str | None:
    return "connection refused"


def test_nobody_waits_for_a_camera_that_is_no_longer_watched() -> None:
    clock = Clock()
    monitor = CameraMonitor(probe=unreachable, now=clock, offline_after_s=5)
    disabled, deleted, still = CameraFactory(), CameraFactory(), CameraFactory()
    monitor.tick()
    clock.advance(6)
    monitor.tick()
    assert Alert.objects.filter(type="camera_offline", status=AlertStatus.OPEN).count() == 3

    Camera.objects.filter(pk=disabled.pk).update(enabled=False)
    deleted_key = f"camera:{deleted.pk}"
    deleted.delete()
    clock.advance(1)
    monitor.tick()

    by_key = {alert.source_key: alert for alert in Alert.objects.all()}
    assert by_key[f"camera:{disabled.pk}"].status == AlertStatus.RESOLVED
    assert by_key[f"camera:{disabled.pk}"].payload["reason"] == "disabled"
    assert by_key[deleted_key].status == AlertStatus.RESOLVED
    assert by_key[deleted_key].payload["reason"] == "deleted"
    assert by_key[f"camera:{still.pk}"].status == AlertStatus.OPEN
