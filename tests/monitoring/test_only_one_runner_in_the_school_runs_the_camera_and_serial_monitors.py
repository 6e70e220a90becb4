from __future__ import annotations

import uuid
from typing import Any

import pytest

from monitoring.monitors.host import HostMonitor
from monitoring.monitors.runner import MonitorRunner
from tests.monitoring.monitor_support import CountingMonitor, Samples

pytestmark = pytest.mark.django_db


def runner(namespace: str) -> tuple[MonitorRunner, CountingMonitor, CountingMonitor]:
    cameras, serial = CountingMonitor("cameras"), CountingMonitor("serial")
    host = HostMonitor(Samples())
    made = MonitorRunner(
        interval_s=1,
        host=host,
        cameras=cameras,
        serial=serial,
        lease_namespace=namespace,
        dispatcher=None,  # type: ignore[arg-type]
    )
    return made, cameras, serial


def test_two_runners_sharing_redis_run_them_once_and_the_standby_takes_over(settings: Any, redis_url: str) -> None:
    settings.REDIS_URL = redis_url
    namespace = f"test-monitors-{uuid.uuid4().hex[:8]}"  # runs sharing the Redis database stay apart
    first, first_cameras, first_serial = runner(namespace)
    second, second_cameras, second_serial = runner(namespace)
    try:
        for _ in range(3):
            one = first.run_round()
            two = second.run_round()
            assert len(one.samples) + len(two.samples) == 4  # two hosts, one cameras, one serial
        assert (first_cameras.ticks, first_serial.ticks, first_serial.started) == (3, 3, 1)
        assert (second_cameras.ticks, second_serial.ticks, second_serial.started) == (0, 0, 0)
        assert set(two.elsewhere) == {"cameras", "serial"}

        first.release_all()  # the first one stops (run_monitors got SIGTERM): the standby takes over at once
        assert first_serial.stopped == 1
        second.run_round()
        first.run_round()
        assert (second_cameras.ticks, second_serial.ticks) == (1, 1)
        assert (first_cameras.ticks, first_serial.ticks) == (3, 3)
    finally:
        first.release_all()
        second.release_all()
