from __future__ import annotations

from typing import Any

import pytest

from monitoring.models import Alert, AlertStatus
from monitoring.monitors.host import HostMonitor
from tests.monitoring.monitor_support import Samples, calm, disk

pytestmark = pytest.mark.django_db


def test_each_disk_path_has_its_own_alert_and_recovery(settings: Any) -> None:
    settings.HOST_ALERT_SAMPLES = 2
    settings.DISK_MIN_FREE_PERCENT = 10.0
    samples = Samples()
    monitor = HostMonitor(samples, host="school-server")

    def feed(media: float, database: float, times: int) -> None:
        samples.next = calm(disks=(disk("/srv/media", media), disk("/var/lib/db", database)))
        for _ in range(times):
            monitor.tick()

    feed(media=5.0, database=50.0, times=1)
    assert not Alert.objects.exists()
    feed(media=4.0, database=50.0, times=2)
    feed(media=4.0, database=8.0, times=1)
    media = Alert.objects.get(type="disk_low", source_key="disk:school-server:/srv/media")
    assert (media.count, media.payload["free_percent"], media.payload["path"]) == (3, 4.0, "/srv/media")
    assert not Alert.objects.filter(source_key__contains="/var/lib/db").exists(), "one sample under is not enough"

    feed(media=30.0, database=8.0, times=2)
    media.refresh_from_db()
    assert media.status == AlertStatus.RESOLVED
    database = Alert.objects.get(type="disk_low", source_key="disk:school-server:/var/lib/db")
    assert database.status == AlertStatus.OPEN
    assert not Alert.objects.filter(type="host_overload").exists()
