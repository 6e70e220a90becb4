"""Stopping alert processing holds every delivery, in this process at once and in every other within about a
second (each reads the shared switches through a cache of its own); alerts are still recorded meanwhile, and a
start sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery, DeliveryStatus
from monitoring.services import delivery
from monitoring.services.delivery import SWITCHES_TTL_S, Switches
from monitoring.services.publish import publish
from tests.factories import SecretaryFactory
from tests.monitoring.fakes import RecordingHandler, use_handlers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def test_a_stop_holds_deliveries_until_a_start(
    monkeypatch: pytest.MonkeyPatch, settings: Any, secretary: APIClient, deliver_now: Callable[[], list[str]]
) -> None:
    use_handlers(monkeypatch, settings, "recording")
    other_process = Switches()  # another process's view of the switches, read (and cached) before the stop
    assert not other_process.paused()

    assert secretary.post("/api/background/stop").json()["alert_processing"]["state"] == "stopped"
    alert = publish(AlertEvent("camera_offline", source_key="camera:hall"))

    assert alert is not None
    assert deliver_now() == ["skipped"]
    assert delivery.dispatcher.sweep() == 0  # the background sweep takes nothing either
    assert RecordingHandler.received == []
    held = AlertDelivery.objects.get(alert=alert)
    assert (held.status, held.attempts) == (DeliveryStatus.PENDING, 0)  # not even an attempt was spent
    wait_until(other_process.paused, SWITCHES_TTL_S + 1, "the other process did not see the stop")

    assert secretary.post("/api/background/start").json()["alert_processing"]["state"] == "running"

    assert deliver_now() == ["delivered"]
    assert [message.id for message, _at in RecordingHandler.received] == [str(alert.uuid)]
    wait_until(lambda: not other_process.paused(), SWITCHES_TTL_S + 1, "the other process did not see the start")


def test_a_start_wakes_this_processs_dispatcher_once_committed(
    monkeypatch: pytest.MonkeyPatch, secretary: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    woken: list[bool] = []
    monkeypatch.setattr(delivery.dispatcher, "wake", lambda: woken.append(True))
    secretary.post("/api/background/stop")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        secretary.post("/api/background/start")
        assert woken == []  # not before the commit: its sweep would still read the stopped switches

    for callback in callbacks:
        callback()
    assert woken == [True]
