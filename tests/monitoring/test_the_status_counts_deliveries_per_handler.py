"""The status counts each handler's deliveries (sent, failed and waiting for a retry, pending, dead) and calls a
handler failing when retries wait or one was given up within the hour; the database counts every alert."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from monitoring.handlers import HANDLERS, HandlerSpec
from monitoring.models import Alert, AlertDelivery, AlertStatus, DeliveryStatus
from tests.factories import SecretaryFactory
from tests.monitoring.fakes import use_handlers

pytestmark = pytest.mark.django_db

_sources = itertools.count()


def deliveries(
    handler: str, status: str, count: int = 1, *, attempts: int = 0, ago: dt.timedelta | None = None
) -> None:
    """``count`` deliveries of ``handler`` in ``status``, each of an alert of its own."""
    now = timezone.now()
    for _ in range(count):
        alert = Alert.objects.create(
            type="camera_offline",
            severity="critical",
            status=AlertStatus.RESOLVED,
            source_key=f"test:{next(_sources)}",
            first_seen=now,
            last_seen=now,
        )
        AlertDelivery.objects.create(
            alert=alert,
            handler=handler,
            event="raised",
            status=status,
            attempts=attempts,
            next_attempt_at=now - (ago or dt.timedelta(0)),
        )


@pytest.fixture
def status(monkeypatch: pytest.MonkeyPatch, settings: Any) -> dict[str, Any]:
    use_handlers(monkeypatch, settings, "recording", "raising", "hanging")
    settings.TEST_SWITCHED_OFF_HANDLER = ""
    monkeypatch.setitem(
        HANDLERS,
        "switched_off",
        HandlerSpec("switched_off", "tests.monitoring.fakes.RecordingHandler", "TEST_SWITCHED_OFF_HANDLER"),
    )
    # recording: fine, though a delivery died long ago
    deliveries("recording", DeliveryStatus.DELIVERED, 3, attempts=1)
    deliveries("recording", DeliveryStatus.PENDING)
    deliveries("recording", DeliveryStatus.SENDING, attempts=1)
    deliveries("recording", DeliveryStatus.DEAD, attempts=12, ago=dt.timedelta(hours=3))
    # raising: retries are waiting
    deliveries("raising", DeliveryStatus.DELIVERED, attempts=2)
    deliveries("raising", DeliveryStatus.PENDING, 2, attempts=3)
    deliveries("raising", DeliveryStatus.PENDING)
    # hanging: nothing waits, but one was given up a few minutes ago
    deliveries("hanging", DeliveryStatus.DEAD, attempts=12, ago=dt.timedelta(minutes=5))
    # switched off since: its old deliveries still count
    deliveries("switched_off", DeliveryStatus.DELIVERED)
    Alert.objects.filter(pk=Alert.objects.earliest("pk").pk).update(status=AlertStatus.OPEN)

    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    response = client.get("/api/background/status")
    assert response.status_code == 200
    return response.json()


def test_each_handler_has_its_counts_and_state(status: dict[str, Any]) -> None:
    handlers = {entry.pop("name"): entry for entry in status["handlers"]}

    assert handlers == {
        "database": {"state": "active", "sent": 12, "failed": 0, "pending": 0, "dead": 0},
        "recording": {"state": "active", "sent": 3, "failed": 0, "pending": 2, "dead": 1},
        "raising": {"state": "failing", "sent": 1, "failed": 2, "pending": 1, "dead": 0},
        "hanging": {"state": "failing", "sent": 0, "failed": 0, "pending": 0, "dead": 1},
        "switched_off": {"state": "disabled", "sent": 1, "failed": 0, "pending": 0, "dead": 0},
    }


def test_alerts_are_counted_all_and_unresolved(status: dict[str, Any]) -> None:
    processing = status["alert_processing"]

    assert (processing["alerts_processed"], processing["open_alerts"]) == (12, 1)
    assert processing["state"] == "running"
