from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.management import call_command

from monitoring.models import Alert, AlertStatus
from tests.cameras.factories import CameraFactory
from tests.monitoring.monitor_support import fake_camera
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


def run_once() -> None:
    call_command("run_monitors", "--once", stdout=io.StringIO())


def test_rounds_of_run_monitors_once_raise_camera_offline_then_camera_online(settings: Any) -> None:
    settings.CAMERA_OFFLINE_AFTER_S = 1.0
    camera = CameraFactory()  # its stream is the discard port: nothing answers
    first_round = time.monotonic()
    run_once()
    assert not Alert.objects.filter(camera=camera).exists(), "offline before the window passed"

    def offline() -> Alert | None:
        run_once()
        return Alert.objects.filter(type="camera_offline", camera=camera, status=AlertStatus.OPEN).first()

    alert = wait_until(offline, 10, "no camera_offline alert")
    assert time.monotonic() - first_round >= 1.0
    assert (alert.classroom_id, alert.source_key) == (camera.classroom_id, f"camera:{camera.pk}")
    assert alert.payload["processor_running"] is False
    assert alert.payload["error"]

    with fake_camera() as server:
        camera.stream_url = server.url
        camera.save(update_fields=["stream_url"])
        run_once()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.payload["resolved_by"] == "camera_online"
    assert Alert.objects.filter(camera=camera).count() == 1  # (the real host monitor may raise its own alerts)
