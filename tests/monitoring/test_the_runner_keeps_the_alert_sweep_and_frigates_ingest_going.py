from __future__ import annotations

from typing import Any

import pytest

from monitoring.ingest import frigate
from monitoring.models import MonitorHeartbeat
from monitoring.monitors.host import HostMonitor
from monitoring.monitors.runner import MonitorRunner
from tests.markers import committing_db
from tests.monitoring.monitor_support import CountingMonitor, Samples
from tests.support.waiting import wait_until

pytestmark = committing_db


class Switchable:
    """Stands in for the dispatcher and for Frigate's ingest: something with start() and stop()."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    def start(self) -> None:
        self.running = True
        self.starts += 1

    def stop(self) -> None:
        self.running = False


def test_the_runner_starts_the_sweep_and_the_ingest_and_stops_them(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FRIGATE_MQTT_INGEST = True
    settings.REDIS_URL = ""
    ingest, dispatcher = Switchable(), Switchable()
    monkeypatch.setattr(frigate, "frigate_ingest_from_settings", lambda: ingest)
    cameras = CountingMonitor("cameras")
    runner = MonitorRunner(
        interval_s=0.2,
        host=HostMonitor(Samples()),
        cameras=cameras,  # type: ignore[arg-type]
        serial=CountingMonitor("serial"),  # type: ignore[arg-type]
        dispatcher=dispatcher,  # type: ignore[arg-type]
    )
    runner.start()
    try:
        wait_until(lambda: ingest.running and cameras.ticks >= 2, 5, "no rounds, or the ingest did not start")
        assert dispatcher.running
        assert MonitorHeartbeat.objects.filter(name="cameras").exists()
    finally:
        runner.stop()
    assert not runner.running
    assert not ingest.running and not dispatcher.running
    assert ingest.starts == 1
