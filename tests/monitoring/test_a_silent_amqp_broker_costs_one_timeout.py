"""A broker that keeps the connection open and stops answering (a frozen process, a network black hole) costs each
attempt ALERT_HANDLER_TIMEOUT_S at most, whether it goes silent mid-connection or before the handshake; the shared
connection is never left stuck, and once the broker answers again the alert is delivered."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from monitoring.events import AlertEvent, AlertMessage
from monitoring.handlers.amqp import AmqpHandler
from monitoring.handlers.base import DeliveryError
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.monitoring.amqp_queue import alert_exchange, alert_queue
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db

TIMEOUT_S = 0.5


def message(alert_id: str) -> AlertMessage:
    now = timezone.now()
    return AlertMessage(
        id=alert_id,
        event="raised",
        type="disk_low",
        severity="critical",
        status="open",
        source_key=f"disk:{alert_id}",
        first_seen=now,
        last_seen=now,
        count=1,
    )


@pytest.fixture
def exchange(settings: Any, amqp_url: str) -> Iterator[str]:
    with alert_exchange(settings, amqp_url) as name:
        settings.ALERT_HANDLER_TIMEOUT_S = TIMEOUT_S
        yield name


@pytest.fixture
def proxy(settings: Any, amqp_url: str, exchange: str) -> Iterator[TcpProxy]:
    broker = urlsplit(amqp_url)
    with tcp_proxy(broker.hostname or "127.0.0.1", broker.port or 5672) as server:
        netloc = f"{broker.username}:{broker.password}@{server.url_host_port}"
        settings.AMQP_URL = broker._replace(netloc=netloc).geturl()
        yield server


def test_a_broker_silent_while_confirming_fails_the_attempt_within_the_timeout(
    settings: Any, amqp_url: str, exchange: str, proxy: TcpProxy, deliver_now: Callable[[], list[str]]
) -> None:
    with alert_queue(amqp_url, exchange) as queue:
        publish(AlertEvent("disk_low", source_key="disk:srv:/a"))
        assert deliver_now() == ["delivered"]  # the connection is up and in use

        proxy.freeze()
        alert = publish(AlertEvent("disk_low", source_key="disk:srv:/b"))
        assert alert is not None
        started = time.monotonic()
        assert deliver_now() == ["pending"]
        assert time.monotonic() - started < TIMEOUT_S + 1.0
        first_error = AlertDelivery.objects.get(alert=alert).last_error
        assert first_error

        # The next attempt is not stuck behind the first one: it fails within the timeout too (now while connecting).
        started = time.monotonic()
        assert wait_until(deliver_now, 5, "the retry after its backoff") == ["pending"]
        assert time.monotonic() - started < settings.ALERT_RETRY_MAX_S + TIMEOUT_S + 1.0

        proxy.thaw()
        wait_until(lambda: deliver_now() == ["delivered"], 5, "delivery once the broker answers again")
        wait_until(lambda: str(alert.uuid) in queue.message_ids(), 5, "the alert in the queue")


def test_a_send_into_the_silence_raises_within_the_timeout_and_leaves_the_connection_free(
    amqp_url: str, exchange: str, proxy: TcpProxy
) -> None:
    # The handler itself, without the dispatcher's own timeout around it: its waits must end by themselves.
    handler = AmqpHandler.from_settings()
    try:
        with alert_queue(amqp_url, exchange) as queue:
            handler.send(message("before"))
            proxy.freeze()

            for stage in ("waiting for the confirmation", "connecting anew"):
                started = time.monotonic()
                with pytest.raises(DeliveryError, match="AMQP publish") as failed:
                    handler.send(message(stage))
                assert time.monotonic() - started < TIMEOUT_S + 0.5, stage
                assert "busy" not in str(failed.value) and not failed.value.permanent

            proxy.thaw()
            handler.send(message("after"))
            wait_until(lambda: {"before", "after"} <= set(queue.message_ids()), 5, "the messages sent while answered")
    finally:
        handler.close()


def test_the_health_check_gives_up_on_a_silent_or_absent_broker_within_its_timeout(
    proxy: TcpProxy, settings: Any
) -> None:
    handler = AmqpHandler.from_settings()
    try:
        handler.check(TIMEOUT_S)  # answering: connects and declares the exchange, no error

        proxy.freeze()
        handler.close()  # the next check must connect anew, into the silence
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="unreachable"):
            handler.check(TIMEOUT_S)
        assert time.monotonic() - started < TIMEOUT_S + 1.0
    finally:
        handler.close()

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    absent = AmqpHandler(f"amqp://guest:guest@127.0.0.1:{port}//", settings.AMQP_EXCHANGE, TIMEOUT_S)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="unreachable") as refused:
        absent.check(TIMEOUT_S)
    assert time.monotonic() - started < TIMEOUT_S
    assert not refused.value.permanent
