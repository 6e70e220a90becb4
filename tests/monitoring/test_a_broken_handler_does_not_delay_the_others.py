"""Handlers deliver concurrently: one that raises or hangs is isolated and counted, and the others' messages leave
at once; the hanging one's attempt fails after ALERT_HANDLER_TIMEOUT_S and is retried."""

from __future__ import annotations

import time
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.monitoring.fakes import HangingHandler, RaisingHandler, RecordingHandler, use_handlers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_raising_and_a_hanging_handler_leave_the_working_one_alone(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    use_handlers(monkeypatch, settings, "recording", "raising", "hanging")
    settings.ALERT_HANDLER_TIMEOUT_S = 1.0
    try:
        started = time.monotonic()
        publishing = [publish(AlertEvent("disk_low", source_key=f"disk:a:/{index}")) for index in range(5)]
        publish_s = time.monotonic() - started

        wait_until(lambda: len(RecordingHandler.received) == 5, 10, "the working handler's messages")
        worst = max(at for _, at in RecordingHandler.received) - started
        wait_until(
            lambda: AlertDelivery.objects.filter(handler="hanging").exclude(last_error="").count() == 5,
            10,
            "the hanging handler's attempts to time out",
        )
        hanging_errors = set(AlertDelivery.objects.filter(handler="hanging").values_list("last_error", flat=True))
    finally:
        HangingHandler.release.set()

    assert all(publishing) and publish_s < 1.0  # publishing never waits for a handler
    assert worst < 1.0  # the working handler did not wait for the hanging one's timeout
    assert RaisingHandler.calls >= 1  # a batch stops calling a receiver that is down: the rest fail with it
    raising = AlertDelivery.objects.filter(handler="raising")
    assert {delivery.last_error for delivery in raising} == {"DeliveryError: the receiver is down"}
    assert hanging_errors == {"HandlerTimeout: no answer within 1 s"}
    assert set(AlertDelivery.objects.filter(handler="recording").values_list("status", flat=True)) == {"delivered"}
