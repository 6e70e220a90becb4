"""The status lists each monitor with its latest sample, running while it sampled within three intervals, and
counts the enabled cameras whose processor holds its lease now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cameras.services.lease import Lease, acquire_lease
from monitoring.models import MonitorHeartbeat
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


@pytest.fixture
def leases() -> Iterator[list[Lease]]:
    taken: list[Lease] = []
    yield taken
    for lease in taken:
        lease.release()


def test_monitors_that_stopped_sampling_are_not_running(staff: APIClient, settings: Any) -> None:
    settings.MONITOR_INTERVAL_S = 10.0
    now = timezone.now()
    MonitorHeartbeat.objects.create(name="host:web1", host="web1", pid=41, beat_at=now, sample={"cpu_percent": 12.5})
    MonitorHeartbeat.objects.create(name="serial", host="web2", pid=42, beat_at=now - dt.timedelta(seconds=31))

    monitors = staff.get("/api/background/status").json()["monitors"]

    assert [(m["name"], m["host"], m["pid"], m["running"]) for m in monitors] == [
        ("host:web1", "web1", 41, True),
        ("serial", "web2", 42, False),
    ]
    assert monitors[0]["sample"] == {"cpu_percent": 12.5}
    assert dt.datetime.fromisoformat(monitors[0]["last_sample_at"]) == now


def test_only_enabled_cameras_with_a_live_lease_are_processing(staff: APIClient, leases: list[Lease]) -> None:
    running, disabled = CameraFactory(), CameraFactory(enabled=False)
    CameraFactory()  # enabled, nobody processes it
    for camera in (running, disabled):
        lease = acquire_lease(camera.pk)
        assert lease is not None
        leases.append(lease)

    processing = staff.get("/api/background/status").json()["alert_processing"]

    assert processing["cameras_processing"] == 1
