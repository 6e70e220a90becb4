from __future__ import annotations

import io
import os
import socket

import pytest
from django.core.management import call_command

from monitoring.models import MonitorHeartbeat
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_one_round_records_the_host_the_cameras_and_the_serial_devices() -> None:
    camera = CameraFactory()
    out = io.StringIO()
    call_command("run_monitors", "--once", stdout=out)

    beats = {beat.name: beat for beat in MonitorHeartbeat.objects.all()}
    host = f"host:{socket.gethostname()}"
    assert set(beats) == {host, "cameras", "serial"}
    assert all((beat.host, beat.pid) == (socket.gethostname(), os.getpid()) for beat in beats.values())
    assert 0.0 <= beats[host].sample["cpu_percent"] <= 100.0
    assert beats[host].sample["disks"], "no disk watched"
    assert str(camera.pk) in beats["cameras"].sample["cameras"]
    assert beats["serial"].sample == {"devices": {}}
    assert "1 câmera vigiada, 0 fora do ar" in out.getvalue()  # in the school's language, pt-BR
