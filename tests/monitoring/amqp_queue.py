"""The AMQP tests' side of the broker: an exchange of the test's own, and queues bound to it that a test reads.

They talk to RabbitMQ directly (never through a test's proxy), so what they see is what the broker holds.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Queue
from kombu.message import Message


class AlertQueue:
    """An exclusive, auto-deleted queue bound to the alert exchange; ``messages()`` is everything it got so far."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue
        self._received: list[Message] = []

    def messages(self) -> list[Message]:
        while (message := self._queue.get(no_ack=True)) is not None:
            self._received.append(message)
        return list(self._received)

    def declare(self) -> None:
        """(Re)declare the exchange, the queue and its binding."""
        self._queue.declare()

    def delete_exchange(self) -> None:
        self._queue.exchange(self._queue.channel).delete()

    def message_ids(self) -> list[str]:
        return [message.properties["message_id"] for message in self.messages()]


def exchange_exists(amqp_url: str, name: str) -> bool:
    with Connection(amqp_url, connect_timeout=5) as connection:
        try:
            Exchange(name)(connection.default_channel).declare(passive=True)
        except NotFound:
            return False
    return True


@contextlib.contextmanager
def alert_exchange(settings: Any, amqp_url: str) -> Iterator[str]:
    """Point the AMQP handler at the machine's broker and an exchange named for this test; deleted afterwards."""
    name = f"chamada-test-{uuid.uuid4().hex}"
    settings.AMQP_URL = amqp_url
    settings.AMQP_EXCHANGE = name
    settings.MQTT_URL = settings.FRIGATE_URL = ""  # AMQP is the only handler in these tests
    try:
        yield name
    finally:
        with Connection(amqp_url, connect_timeout=5) as connection:
            with contextlib.suppress(Exception):  # never declared (the test failed early): nothing to delete
                Exchange(name)(connection.default_channel).delete()


@contextlib.contextmanager
def alert_queue(amqp_url: str, exchange: str, binding: str = "alert.#") -> Iterator[AlertQueue]:
    with Connection(amqp_url, connect_timeout=5) as connection:
        queue = Queue(
            f"{exchange}-{uuid.uuid4().hex[:8]}",
            Exchange(exchange, type="topic", durable=True),  # as the handler declares it
            routing_key=binding,
            exclusive=True,
            auto_delete=True,
        )(connection.default_channel)
        queue.declare()
        yield AlertQueue(queue)
