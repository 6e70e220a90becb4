"""Alerts to an AMQP 0-9-1 broker (RabbitMQ): one persistent JSON message per delivery on a durable topic exchange.

Routing key ``alert.<type>.<severity>`` (``alert.camera_offline.critical``), so a consumer binds ``alert.#``,
``alert.*.critical`` or one type. A send counts only once the broker confirmed it (publisher confirms); a consumer
drops repeats by ``message_id`` (the alert's id) and the ``event`` header: delivery is at least once.

py-amqp waits without a limit unless told: every wait here is bounded by ALERT_HANDLER_TIMEOUT_S, which
matters because the connection is shared under a lock, and a send that hung would hold up every later one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Self

from django.conf import settings
from kombu import Connection, Exchange, Producer

from monitoring.events import AlertMessage
from monitoring.handlers.base import DeliveryError, Handler

logger = logging.getLogger(__name__)

#: A network step never gets less than this, even when the send's time is nearly spent.
_MIN_STEP_S = 0.05


def routing_key(message: AlertMessage) -> str:
    return f"alert.{message.type}.{message.severity}"


class AmqpHandler(Handler):
    """One connection and channel per handler, shared by the dispatcher's threads under a lock (kombu connections
    are not thread-safe) and made again after any failure."""

    name = "amqp"

    def __init__(self, url: str, exchange: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.exchange = Exchange(exchange, type="topic", durable=True)
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    @classmethod
    def from_settings(cls) -> Self:
        return cls(settings.AMQP_URL, settings.AMQP_EXCHANGE, float(settings.ALERT_HANDLER_TIMEOUT_S))

    def send(self, message: AlertMessage) -> str | None:
        deadline = time.monotonic() + self.timeout_s
        with self._locked(deadline):
            try:
                producer = self._ready(deadline)
                # With confirm_publish, py-amqp's basic_publish waits for the broker's ack (a nack raises); the
                # timeout bounds both the write and that wait.
                producer.publish(
                    json.dumps(message.as_dict()),
                    routing_key=routing_key(message),
                    delivery_mode=2,  # persistent: survives a broker restart in a durable queue
                    content_type="application/json",
                    content_encoding="utf-8",
                    headers={"alert_id": message.id, "event": message.event},
                    message_id=message.id,
                    timeout=_remaining(deadline),
                    retry=False,  # the dispatcher retries, with its backoff
                )
            except Exception as error:
                # Whatever failed (a timeout mid-confirm included), the channel's state is unknown: start afresh.
                self._drop()
                raise DeliveryError(f"AMQP publish to {self.exchange.name!r} failed: {_describe(error)}") from error
        return None  # the broker gives a message no id of its own

    def check(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with self._locked(deadline):
            try:
                self._ready(deadline)
            except Exception as error:
                self._drop()
                raise DeliveryError(f"AMQP broker unreachable: {_describe(error)}") from error

    def close(self) -> None:
        # No goodbye to the broker: closing must be quick even when the broker is what hangs (a reload closes every
        # handler). A send in progress holds the lock; dropping its connection anyway makes it fail, as it should.
        acquired = self._lock.acquire(timeout=self.timeout_s)
        try:
            self._drop()
        finally:
            if acquired:
                self._lock.release()

    # --- the connection --------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, deadline: float) -> Iterator[None]:
        """Hold the connection, waiting no longer than the send may take: a send stuck ahead fails this one rather
        than queueing it behind."""
        if not self._lock.acquire(timeout=_remaining(deadline)):
            raise DeliveryError("AMQP connection busy: an earlier send did not finish in time")
        try:
            yield
        finally:
            self._lock.release()

    def _ready(self, deadline: float) -> Producer:
        """The producer on a live connection: the one we have if the broker has not gone away, else a new one."""
        if self._connection is not None and self._producer is not None:
            try:
                # Nothing should be waiting to be read; the broker closing the socket (a restart, an idle
                # connection cut by the network) shows up here instead of failing the publish.
                self._connection.drain_events(timeout=0)
            except TimeoutError:
                return self._producer
            except Exception as error:
                logger.info("AMQP connection lost while idle (%s); reconnecting", _describe(error))
            self._drop()
        connection = Connection(
            self.url,
            connect_timeout=_remaining(deadline),
            heartbeat=0,  # nobody would drain the socket between sends to answer heartbeats
            transport_options={
                "confirm_publish": True,
                # SO_RCVTIMEO/SO_SNDTIMEO: bound the waits with no timeout of their own (channel open, declare).
                "read_timeout": self.timeout_s,
                "write_timeout": self.timeout_s,
            },
        )
        try:
            connection.ensure_connection(max_retries=0)  # kombu's default retries sleep 2 s first
            channel = connection.default_channel
            self.exchange(channel).declare()
            producer = Producer(channel, exchange=self.exchange, auto_declare=False)
        except Exception:
            connection.collect()
            raise
        self._connection, self._producer = connection, producer
        return producer

    def _drop(self) -> None:
        """Forget the connection without talking to the broker (it may be the thing that is broken)."""
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.collect()
            except Exception:
                logger.debug("AMQP connection did not close cleanly", exc_info=True)


def _remaining(deadline: float) -> float:
    return max(_MIN_STEP_S, deadline - time.monotonic())


def _describe(error: BaseException) -> str:
    text = str(error) or "no details"
    return f"{type(error).__name__}: {text}"
