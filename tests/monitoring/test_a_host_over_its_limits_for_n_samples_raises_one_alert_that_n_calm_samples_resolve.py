from __future__ import annotations

from typing import Any

import pytest

from monitoring.models import Alert, AlertStatus
from monitoring.monitors.host import HostMonitor
from tests.monitoring.monitor_support import Samples, calm, hot

pytestmark = pytest.mark.django_db


def test_overload_needs_n_samples_in_a_row_and_recovery_as_many(settings: Any) -> None:
    settings.HOST_ALERT_SAMPLES = 3
    settings.HOST_CPU_MAX_PERCENT = 90.0
    settings.HOST_MEMORY_MAX_PERCENT = 90.0
    settings.HOST_LOAD_MAX_PER_CPU = 2.0
    samples = Samples()
    monitor = HostMonitor(samples, host="school-server")

    def feed(*sequence: Any) -> None:
        for sample in sequence:
            samples.next = sample
            monitor.tick()

    feed(calm(), hot(), hot(), calm(), hot(memory_percent=95.0), hot(cpu_percent=10.0, load_1m=9.0))
    assert not Alert.objects.exists(), "a streak shorter than HOST_ALERT_SAMPLES raised an alert"

    feed(hot(cpu_percent=97.0))  # the third over the limits in a row (CPU, memory, load all count)
    alert = Alert.objects.get()
    assert (alert.type, alert.source_key, alert.status) == ("host_overload", "host:school-server", AlertStatus.OPEN)
    assert alert.payload["cpu_percent"] == 97.0
    assert alert.payload["over"] == ["cpu"]

    feed(hot(), hot())  # repeats are grouped into the open alert
    feed(calm(), calm(), hot())  # two calm samples are no recovery (nor is one hot after them a repeat)
    alert.refresh_from_db()
    assert Alert.objects.count() == 1
    assert (alert.count, alert.status) == (3, AlertStatus.OPEN)

    feed(calm(), calm(), calm(cpu_percent=12.0))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.payload["resolved_by"] == "host_recovered"
    assert alert.payload["recovered"]["cpu_percent"] == 12.0
    assert alert.payload["cpu_percent"] == 97.0  # the values that raised it are kept
