"""A delivery over MQTT counts only when the broker acknowledged (PUBACK) it: a broker that stops answering costs
one timeout, a lost connection fails the attempt at once, and either way the delivery is retried."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers.base import DeliveryError
from monitoring.handlers.mqtt import MqttHandler, Topics
from monitoring.models import AlertDelivery
from monitoring.services import delivery
from monitoring.services.publish import publish
from tests.monitoring.mqtt_support import Watcher, alert_topics
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(settings: Any, mqtt_url: str, mqtt_proxy: TcpProxy) -> Iterator[Topics]:
    settings.ALERT_HANDLER_TIMEOUT_S = 1.0
    with alert_topics(settings, mqtt_url, broker_url=f"mqtt://{mqtt_proxy.url_host_port}") as topics:
        yield topics


def connected_handler() -> MqttHandler:
    handler = delivery.handlers.get("mqtt")
    assert isinstance(handler, MqttHandler)
    handler.check(5)
    return handler


def test_an_unacknowledged_publish_fails_the_attempt_and_the_retry_delivers(
    topics: Topics, mqtt_url: str, mqtt_proxy: TcpProxy, deliver_now: Callable[[], list[str]]
) -> None:
    connected_handler()
    with Watcher(mqtt_url, topics.alerts) as watcher:
        alert = publish(AlertEvent("disk_low", source_key="disk:a:/"))
        assert alert is not None
        mqtt_proxy.freeze()  # connected, but nothing comes back

        started = time.monotonic()
        assert deliver_now() == ["pending"]
        assert time.monotonic() - started < 1.5  # the handler's timeout, not paho's patience
        assert "did not acknowledge" in AlertDelivery.objects.get().last_error

        mqtt_proxy.thaw()

        wait_until(lambda: deliver_now() == ["delivered"], 5, "the retry delivered")
        watcher.wait_for(
            lambda: str(alert.uuid) in {json.loads(m.payload)["id"] for m in watcher.messages}, 5, "the alert"
        )
    assert AlertDelivery.objects.get().attempts == 2


def test_without_a_connection_the_attempt_fails_at_once(
    topics: Topics, mqtt_proxy: TcpProxy, deliver_now: Callable[[], list[str]]
) -> None:
    handler = connected_handler()
    mqtt_proxy.close()  # the broker is gone, and refuses new connections
    wait_until(lambda: not handler.connected, 5, "the handler noticing")
    publish(AlertEvent("disk_low", source_key="disk:a:/"))

    started = time.monotonic()
    assert deliver_now() == ["pending"]
    assert time.monotonic() - started < 0.5
    assert "not connected" in AlertDelivery.objects.get().last_error
    with pytest.raises(DeliveryError):
        handler.check(0.1)
