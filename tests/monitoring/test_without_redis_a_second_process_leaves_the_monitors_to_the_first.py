from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from monitoring.models import MonitorHeartbeat
from monitoring.monitors.host import HostMonitor
from monitoring.monitors.runner import MonitorRunner
from tests.monitoring.monitor_support import CountingMonitor, Samples

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_recent_heartbeat_of_a_live_process_keeps_the_monitor_there(settings: Any) -> None:
    settings.REDIS_URL = ""  # embedded: leases live in each process, so they cannot tell
    cameras, serial = CountingMonitor("cameras"), CountingMonitor("serial")
    runner = MonitorRunner(interval_s=1, host=HostMonitor(Samples()), cameras=cameras, serial=serial, dispatcher=None)  # type: ignore[arg-type]
    now = timezone.now()
    # The web server runs the camera monitor; the serial monitor's process just exited (a restart).
    MonitorHeartbeat.objects.create(name="cameras", host="web1", pid=4321, beat_at=now)
    MonitorHeartbeat.objects.create(name="serial", host=socket.gethostname(), pid=dead_pid(), beat_at=now)
    try:
        report = runner.run_round()
        assert report.elsewhere == {"cameras": "web1:4321"}
        assert (cameras.ticks, serial.ticks) == (0, 1)

        MonitorHeartbeat.objects.filter(name="cameras").update(beat_at=now - dt.timedelta(minutes=5))  # gone quiet
        runner.run_round()
        assert cameras.ticks == 1
        assert MonitorHeartbeat.objects.get(name="cameras").pid == os.getpid()
    finally:
        runner.release_all()
