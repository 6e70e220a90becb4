"""The database is the outbox: what a dead process left pending or half-sent is delivered by the next sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.delivery import Dispatcher
from monitoring.services.publish import publish
from tests.monitoring.fakes import RecordingHandler, use_handlers
from tests.support.waiting import wait_until


@pytest.fixture(autouse=True)
def _recording(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    use_handlers(monkeypatch, settings, "recording")


@pytest.mark.django_db
def test_a_delivery_claimed_by_a_sender_that_died_is_sent_once_its_claim_expires(
    deliver_now: Callable[[], list[str]],
) -> None:
    publish(AlertEvent("disk_low", source_key="disk:a:/"))
    # The sender claimed it, then its process was killed mid-send.
    AlertDelivery.objects.update(status="sending", attempts=1, claimed_until=timezone.now() + dt.timedelta(seconds=60))
    assert deliver_now() == []  # still claimed: nobody else sends it meanwhile

    AlertDelivery.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))

    assert deliver_now() == ["delivered"]
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert delivery.external_id == f"ext-{delivery.alert.uuid.hex[:8]}"


@pytest.mark.django_db(transaction=True)
def test_deliveries_whose_process_died_before_dispatching_are_swept_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # The publishing process commits its rows and dies before its after-commit dispatch runs.
    with monkeypatch.context() as dying:
        dying.setattr("monitoring.services.publish.dispatch_after_commit", lambda deliveries: None)
        for index in range(3):
            publish(AlertEvent("disk_low", source_key=f"disk:a:/{index}"))
    assert AlertDelivery.objects.filter(status="pending").count() == 3

    survivor = Dispatcher(sweep_s=0.1)  # another process: run_monitors, the web server, beat
    survivor.start()
    try:
        wait_until(lambda: len(RecordingHandler.received) == 3, 10, "the swept deliveries")
    finally:
        survivor.stop()

    wait_until(lambda: not AlertDelivery.objects.exclude(status="delivered").exists(), 5, "all delivered")
    assert len({message.id for message, _ in RecordingHandler.received}) == 3
