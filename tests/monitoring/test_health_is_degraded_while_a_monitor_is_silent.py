"""Monitors are optional to /health but expected: none reporting yet, or one silent for three intervals, makes it
``degraded`` (with the silent one named); all sampling makes the check ``ok``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from monitoring.models import MonitorHeartbeat
from tests.factories import SecretaryFactory
from tests.markers import committing_db

pytestmark = committing_db  # the checks' threads read committed rows


def monitors_check() -> tuple[str, dict[str, Any]]:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())
    response = staff.get("/api/background/health")
    assert response.status_code == 200
    return response.json()["status"], response.json()["checks"]["monitors"]


def test_no_monitor_yet_is_degraded(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"

    status, check = monitors_check()

    assert check["status"] == "down" and status == "degraded"
    assert check["detail"] == "No monitor has reported yet."


def test_a_silent_monitor_is_degraded_until_it_samples_again(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.MONITOR_INTERVAL_S = 10.0
    now = timezone.now()
    MonitorHeartbeat.objects.create(name="cameras", host="web1", pid=1, beat_at=now)
    silent = MonitorHeartbeat.objects.create(
        name="host:web2", host="web2", pid=2, beat_at=now - dt.timedelta(seconds=31)
    )

    status, check = monitors_check()
    assert (status, check["status"], check["detail"]) == ("degraded", "down", "Silent monitors: host:web2.")

    MonitorHeartbeat.objects.filter(pk=silent.pk).update(beat_at=timezone.now())

    assert monitors_check()[1]["status"] == "ok"
