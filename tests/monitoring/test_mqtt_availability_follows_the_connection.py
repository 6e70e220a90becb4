"""``<prefix>/available`` is retained ``online`` while the handler is connected; when its connection dies without a
goodbye the broker publishes its last will, ``offline``, and a reconnect says ``online`` again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from monitoring.handlers.mqtt import Topics
from monitoring.services import delivery
from tests.monitoring.mqtt_support import Watcher, alert_topics, retained
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db  # the handler reads the cameras when it connects


@pytest.fixture
def topics(settings: Any, mqtt_url: str, mqtt_proxy: TcpProxy) -> Iterator[Topics]:
    # The handler reaches the broker through the proxy; the test's subscribers connect to it directly.
    with alert_topics(settings, mqtt_url, broker_url=f"mqtt://{mqtt_proxy.url_host_port}") as topics:
        yield topics


def test_the_broker_says_offline_when_the_handlers_connection_dies(
    topics: Topics, mqtt_url: str, mqtt_proxy: TcpProxy
) -> None:
    with Watcher(mqtt_url, topics.available) as watcher:
        handler = delivery.handlers.get("mqtt")
        assert handler is not None
        handler.check(5)
        watcher.wait_for(lambda: [m.text for m in watcher.messages] == ["online"], 5, "online on connect")
        assert retained(mqtt_url, topics.available) == {topics.available: "online"}

        mqtt_proxy.cut()  # no DISCONNECT reaches the broker: the connection just dies

        watcher.wait_for(lambda: [m.text for m in watcher.messages] == ["online", "offline"], 5, "the last will")
        assert retained(mqtt_url, topics.available) == {topics.available: "offline"}
        assert watcher.messages[-1].qos == 1

        mqtt_proxy.restore()

        watcher.wait_for(lambda: [m.text for m in watcher.messages][-1:] == ["online"], 10, "online after reconnecting")
        assert retained(mqtt_url, topics.available) == {topics.available: "online"}
        assert mqtt_proxy.connections == 2
