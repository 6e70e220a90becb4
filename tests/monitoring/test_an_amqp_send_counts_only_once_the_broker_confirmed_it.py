"""A send counts only once the broker confirmed it: a message the broker refuses after taking it (here: its
exchange was deleted meanwhile) fails the attempt instead of vanishing, and the retry declares the exchange again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.monitoring.amqp_queue import alert_exchange, alert_queue, exchange_exists
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange(settings: Any, amqp_url: str) -> Iterator[str]:
    with alert_exchange(settings, amqp_url) as name:
        yield name


def test_a_message_the_broker_refuses_is_not_counted_delivered(
    amqp_url: str, exchange: str, deliver_now: Callable[[], list[str]]
) -> None:
    with alert_queue(amqp_url, exchange) as queue:
        publish(AlertEvent("disk_low", source_key="disk:srv:/a"))
        assert deliver_now() == ["delivered"]

        queue.delete_exchange()  # the broker answers the next publish by closing the channel (404), not an ack
        alert = publish(AlertEvent("disk_low", source_key="disk:srv:/b"))
        assert alert is not None

        assert deliver_now() == ["pending"]
        assert "NOT_FOUND" in AlertDelivery.objects.get(alert=alert).last_error

        wait_until(lambda: deliver_now() == ["delivered"], 5, "the retry on a fresh connection")
        assert AlertDelivery.objects.get(alert=alert).attempts == 2
        assert exchange_exists(amqp_url, exchange)  # declared again by the handler when it reconnected

        queue.declare()  # bind the test's queue to the new exchange: what follows reaches it again
        later = publish(AlertEvent("disk_low", source_key="disk:srv:/c"))
        assert later is not None
        assert deliver_now() == ["delivered"]
        wait_until(lambda: str(later.uuid) in queue.message_ids(), 5, "an alert on the declared exchange")
