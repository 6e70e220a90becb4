"""While the broker is unreachable, publishing alerts still returns at once; every attempt fails and is retried
(a message paho merely queued is no delivery), and once the broker is back every alert arrives and is delivered."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers import mqtt as mqtt_handler
from monitoring.handlers.mqtt import MqttHandler, Topics
from monitoring.models import AlertDelivery
from monitoring.services import delivery
from monitoring.services.publish import publish
from tests.markers import committing_db
from tests.monitoring.mqtt_support import Watcher, alert_topics
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

pytestmark = committing_db  # the dispatcher's threads deliver, as in production


@pytest.fixture
def topics(settings: Any, mqtt_url: str, mqtt_proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[Topics]:
    settings.ALERT_MAX_ATTEMPTS = 100  # the outage outlasts the usual attempts at the tests' short retry delays
    settings.ALERT_HANDLER_TIMEOUT_S = 2.0
    monkeypatch.setattr(mqtt_handler, "RECONNECT_MAX_S", 1)  # paho retries each second, not after 2, 4, 8...
    with alert_topics(settings, mqtt_url, broker_url=f"mqtt://{mqtt_proxy.url_host_port}") as topics:
        yield topics


def raise_alert(index: int) -> uuid.UUID:
    started = time.monotonic()
    alert = publish(AlertEvent("disk_low", source_key=f"disk:test:/{index}"))
    assert time.monotonic() - started < 0.5, "publishing waited for the broker"
    assert alert is not None
    return alert.uuid


def deliveries(ids: list[uuid.UUID]) -> Any:
    return AlertDelivery.objects.filter(alert__uuid__in=ids, handler="mqtt")


def test_alerts_raised_during_an_outage_all_arrive_once_the_broker_is_back(
    topics: Topics, mqtt_url: str, mqtt_proxy: TcpProxy
) -> None:
    with Watcher(mqtt_url, topics.alerts) as watcher:

        def arrived() -> set[str]:
            return {json.loads(message.payload)["id"] for message in watcher.on(topics.alerts)}

        before = [raise_alert(index) for index in range(3)]
        wait_until(lambda: deliveries(before).filter(status="delivered").count() == 3, 10, "delivered before")
        handler = delivery.handlers.get("mqtt")
        assert isinstance(handler, MqttHandler)

        mqtt_proxy.cut()
        wait_until(lambda: not handler.connected, 5, "the handler noticing the outage")
        during = [raise_alert(index) for index in range(3, 6)]

        wait_until(lambda: deliveries(during).filter(attempts__gte=2).count() == 3, 10, "failed attempts, retried")
        assert not deliveries(during).filter(status="delivered").exists()
        assert all("not connected" in error for error in deliveries(during).values_list("last_error", flat=True))

        mqtt_proxy.restore()

        watcher.wait_for(lambda: arrived() >= {str(id) for id in before + during}, 15, "every alert at the subscriber")
        wait_until(lambda: deliveries(before + during).filter(status="delivered").count() == 6, 10, "all delivered")
    assert mqtt_proxy.connections == 2
