"""A failed delivery is retried with exponential backoff, ends dead after ALERT_MAX_ATTEMPTS (or at once when the
failure is permanent), and the admin's retry action gives it new attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.delivery import retry_delay
from monitoring.services.publish import publish
from tests.factories import SecretaryFactory
from tests.monitoring.fakes import RaisingHandler, use_handlers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _raising(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    use_handlers(monkeypatch, settings, "raising")
    settings.ALERT_MAX_ATTEMPTS = 4


def make_due() -> None:
    AlertDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_each_failure_pushes_the_next_attempt_further_until_the_delivery_is_dead(
    deliver_now: Callable[[], list[str]], settings: Any
) -> None:
    settings.ALERT_RETRY_BASE_S, settings.ALERT_RETRY_MAX_S = 10.0, 1000.0  # delays far above the test's own time
    publish(AlertEvent("disk_low", source_key="disk:a:/"))
    delays = []
    for attempt in range(1, 4):
        before = timezone.now()
        assert deliver_now() == ["pending"]
        delivery = AlertDelivery.objects.get()
        assert delivery.attempts == attempt and "the receiver is down" in delivery.last_error
        delays.append((delivery.next_attempt_at - before).total_seconds())
        assert deliver_now() == []  # not due yet
        make_due()

    assert deliver_now() == ["dead"]
    assert AlertDelivery.objects.get().attempts == 4 and RaisingHandler.calls == 4
    assert 9 <= delays[0] <= 11.5 and 18 <= delays[1] <= 22.5 and 36 <= delays[2] <= 44.5  # doubling, 10 % jitter


def test_the_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.ALERT_RETRY_BASE_S, settings.ALERT_RETRY_MAX_S = 2.0, 20.0

    assert 1.8 <= retry_delay(1) <= 2.2
    assert 3.6 <= retry_delay(2) <= 4.4
    assert 18.0 <= retry_delay(10) <= 22.0


def test_a_permanent_failure_is_dead_at_once(deliver_now: Callable[[], list[str]]) -> None:
    RaisingHandler.permanent = True
    publish(AlertEvent("disk_low", source_key="disk:a:/"))

    assert deliver_now() == ["dead"]
    assert AlertDelivery.objects.get().attempts == 1


def test_a_secretary_retries_dead_deliveries_from_the_admin(deliver_now: Callable[[], list[str]]) -> None:
    RaisingHandler.permanent = True
    publish(AlertEvent("disk_low", source_key="disk:a:/"))
    deliver_now()
    dead = AlertDelivery.objects.get()
    client = Client()
    client.force_login(SecretaryFactory())

    response = client.post(
        reverse("admin:monitoring_alertdelivery_changelist"),
        {"action": "retry_deliveries", "_selected_action": [dead.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 entrega na fila de novo." in response.content.decode()  # pt-BR, the default language
    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.last_error) == ("pending", 0, "")
    RaisingHandler.permanent = False
    assert deliver_now() == ["pending"]  # tried again at once
