"""For the MQTT tests: a subscriber of the test's own on the real broker, topics no other test uses, and a snapshot
of what the broker retains."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from monitoring.handlers.mqtt import Topics
from monitoring.services import delivery
from tests.support.waiting import wait_until

T = TypeVar("T")


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 1883


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode()


class Watcher:
    """A plain subscriber, connected straight to the broker (never through a test's proxy), at QoS 1."""

    def __init__(self, url: str, *filters: str) -> None:
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._subscribed = threading.Event()
        self._filters = filters
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"chamada-test-watcher-{uuid.uuid4().hex}")
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._client.connect(*host_port(url))
        self._client.loop_start()
        if not self._subscribed.wait(5):
            self.close()
            pytest.fail(f"the test's subscriber could not subscribe to {filters}")

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        if self._filters:
            client.subscribe([(topic, 1) for topic in self._filters])
        else:  # a publisher only
            self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._messages.append(Received(message.topic, bytes(message.payload), message.qos, bool(message.retain)))

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def on(self, topic: str) -> list[Received]:
        return [message for message in self.messages if message.topic == topic]

    def wait_for(self, condition: Callable[[], T | None], timeout: float, what: str) -> T:
        return wait_until(condition, timeout, lambda: f"{what}; received {[(m.topic, m.text) for m in self.messages]}")

    def publish(self, topic: str, payload: str | bytes, *, retain: bool = False) -> None:
        self._client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def retained(url: str, *filters: str) -> dict[str, str]:
    """What the broker retains under ``filters`` now (topic -> payload)."""
    # The broker sends the retained messages right after the subscription; a marker published afterwards arrives
    # after all of them, so once it is here the snapshot is complete.
    marker = f"chamada-test-marker/{uuid.uuid4().hex}"
    with Watcher(url, *filters, marker) as watcher:
        watcher.publish(marker, "end")
        watcher.wait_for(lambda: watcher.on(marker), 5, "the snapshot's end marker")
        return {m.topic: m.text for m in watcher.messages if m.retain and m.payload and m.topic != marker}


def clear_retained(url: str, *filters: str) -> None:
    with Watcher(url) as client:
        for topic in retained(url, *filters):
            client.publish(topic, b"", retain=True)


@contextlib.contextmanager
def alert_topics(settings: Any, mqtt_url: str, *, broker_url: str | None = None) -> Iterator[Topics]:
    """Make MQTT the only handler, on topics of this test alone; afterwards close it and clear what it retained."""
    name = f"chamada-test-{uuid.uuid4().hex[:12]}"
    topics = Topics(name, f"{name}-ha")
    settings.MQTT_URL = broker_url or mqtt_url
    settings.MQTT_TOPIC_PREFIX = topics.prefix
    settings.MQTT_HA_DISCOVERY_PREFIX = topics.discovery_prefix
    settings.MQTT_HA_DISCOVERY = False
    settings.AMQP_URL = ""
    settings.FRIGATE_URL = ""
    try:
        yield topics
    finally:
        delivery.handlers.close()  # before clearing: a handler still connected could publish again
        clear_retained(mqtt_url, f"{topics.prefix}/#", f"{topics.discovery_prefix}/#")
