"""The broker going away loses no alert: publishing never waits for it, deliveries fail and are retried, and once it
is back every alert is in the queue (some maybe twice: delivery is at least once) and every delivery is done."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from monitoring.events import AlertEvent
from monitoring.models import Alert, AlertDelivery
from monitoring.services.publish import publish
from tests.monitoring.amqp_queue import alert_exchange, alert_queue
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.waiting import wait_until


@pytest.fixture
def exchange(settings: Any, amqp_url: str) -> Iterator[str]:
    with alert_exchange(settings, amqp_url) as name:
        yield name


@pytest.fixture
def proxy(settings: Any, amqp_url: str, exchange: str) -> Iterator[TcpProxy]:
    """The handler reaches the broker only through this proxy; the test's queue reaches it directly."""
    broker = urlsplit(amqp_url)
    with tcp_proxy(broker.hostname or "127.0.0.1", broker.port or 5672) as server:
        settings.AMQP_URL = broker._replace(
            netloc=f"{broker.username}:{broker.password}@{server.url_host_port}"
        ).geturl()
        yield server


def raise_alert(name: str) -> Alert:
    started = time.monotonic()
    alert = publish(AlertEvent("disk_low", source_key=f"disk:outage:{name}"))
    assert time.monotonic() - started < 0.5, "publish waited for the network"
    assert alert is not None
    return alert


@pytest.mark.django_db(transaction=True)  # the dispatcher's threads deliver after commit, as in production
def test_alerts_raised_while_the_broker_is_unreachable_arrive_once_it_is_back(
    settings: Any, amqp_url: str, exchange: str, proxy: TcpProxy
) -> None:
    settings.ALERT_MAX_ATTEMPTS = 1000  # the outage is shorter than the retries (backoff capped at 0.5 s here)
    with alert_queue(amqp_url, exchange) as queue:
        raise_alert("first")
        wait_until(lambda: queue.message_ids(), 10, "the first alert")
        before = [raise_alert(f"before-{index}") for index in range(10)]
        wait_until(lambda: len(queue.message_ids()) >= 3, 10, "some of the next alerts")
        assert proxy.connections == 1  # one connection, reused

        proxy.cut()  # mid-run: some of these ten are likely in flight
        during = [raise_alert(f"during-{index}") for index in range(5)]
        wait_until(
            lambda: AlertDelivery.objects.filter(alert__in=during, status="pending", attempts__gte=2).count() == 5,
            10,
            lambda: f"failed attempts while cut: {list(AlertDelivery.objects.values_list('status', 'attempts'))}",
        )
        assert not set(queue.message_ids()) & {str(alert.uuid) for alert in during}
        assert all(AlertDelivery.objects.filter(alert__in=during).values_list("last_error", flat=True))

        proxy.restore()
        wanted = {str(alert.uuid) for alert in Alert.objects.all()}
        assert len(wanted) == 16
        wait_until(lambda: set(queue.message_ids()) == wanted, 10, lambda: f"got {len(set(queue.message_ids()))}")
        wait_until(lambda: not AlertDelivery.objects.exclude(status="delivered").exists(), 5, "every delivery done")

        ids = queue.message_ids()
        duplicates = len(ids) - len(set(ids))
        # A repeat comes only from a message the broker took while its confirmation was lost in the cut.
        assert duplicates <= len(before), f"{duplicates} repeats"
        assert proxy.connections >= 2  # the handler made a new connection by itself


@pytest.mark.django_db
def test_a_connection_the_broker_dropped_while_idle_costs_no_failed_attempt(
    amqp_url: str, exchange: str, proxy: TcpProxy, deliver_now: Callable[[], list[str]]
) -> None:
    with alert_queue(amqp_url, exchange) as queue:
        raise_alert("before")
        assert deliver_now() == ["delivered"]

        proxy.cut()  # a broker restart between two alerts
        proxy.restore()
        alert = raise_alert("after")

        assert deliver_now() == ["delivered"]  # the dead connection was noticed and replaced before publishing
        assert AlertDelivery.objects.get(alert=alert).attempts == 1
        assert proxy.connections == 2
        wait_until(lambda: str(alert.uuid) in queue.message_ids(), 5, "the alert after the restart")
