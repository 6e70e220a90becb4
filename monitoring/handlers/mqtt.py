"""Alerts to an MQTT broker, and each camera to Home Assistant through MQTT discovery.

Topics (``<prefix>`` is MQTT_TOPIC_PREFIX):

- ``<prefix>/alerts`` and ``<prefix>/<camera-slug>/alerts/<type>`` (``<prefix>/system/alerts/<type>`` without a
  camera): every delivery's JSON (``AlertMessage.as_dict``), QoS 1, not retained. Delivery is at least once:
  consumers drop repeats by (``id``, ``event``).
- ``<prefix>/available``: ``online`` (retained, on every connect) or ``offline`` (the broker's last will, when a
  process's connection dies). A clean ``close()`` publishes nothing: other processes may still be delivering,
  and the next one to connect says ``online`` again.
- ``<prefix>/<camera-slug>/state`` (``offline`` while it has an unresolved camera_offline alert, else ``online``)
  and ``<prefix>/<camera-slug>/open_alerts`` (the number of its unresolved alerts), both retained: for every
  enabled camera on connect, and for a camera after each delivery about it. Both are read from the database at
  that moment, so a late retry never brings an old state back.
- With MQTT_HA_DISCOVERY, ``<MQTT_HA_DISCOVERY_PREFIX>/{binary_sensor,sensor}/<node>/camera_<id>/config``
  (retained): each enabled camera is a Home Assistant device with a connectivity sensor and an open-alerts sensor;
  a disabled camera's configs are cleared on connect.

A delivery counts only when the broker acknowledged (PUBACK) every one of its publishes in time. paho keeps a
QoS 1 message that was not acknowledged and resends it after a reconnect, so a failed attempt may still arrive
later, and its retry arrives again: consumers dedupe, as they must anyway.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from monitoring.events import AlertMessage, CameraRef
from monitoring.handlers.base import DeliveryError, Handler

logger = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"
QOS = 1
#: The broker notices a silent (half-open) connection after 1.5 x this and sends the will.
KEEPALIVE_S = 30
#: paho's reconnect backoff: from the minimum, doubling up to the maximum, reset by a successful connect.
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 2  # a refused connection costs a packet; an outage drains within ~2 s of its end
#: Unacknowledged messages paho keeps for a resend; beyond it a publish fails at once instead of growing memory.
MAX_QUEUED = 1000
#: A few dispatcher threads, several publishes each: more than paho's default of 20 may be in flight.
MAX_INFLIGHT = 100
#: Share of ALERT_HANDLER_TIMEOUT_S a send may spend, so it reports its own error before the dispatcher gives up.
SEND_BUDGET = 0.9
#: How often a wait for acknowledgements looks whether the connection is still there.
ACK_SLICE_S = 0.05


# --- connecting ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    @classmethod
    def parse(cls, url: str) -> BrokerUrl:
        """``mqtt://user:pass@host:1883``; ``mqtts://`` for TLS (port 8883 unless given)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"an MQTT URL starts with mqtt:// or mqtts://, not {url.split(':', 1)[0]!r}")
        if not parts.hostname:
            raise ValueError("the MQTT URL names no host")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
            tls=tls,
        )

    def __str__(self) -> str:  # for logs: never the password
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def client_id(role: str) -> str:
    """Unique per process and object: two processes (or a handler and its replacement) never kick each other."""
    return f"chamada-{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def new_client(broker: BrokerUrl, role: str) -> mqtt.Client:
    """A paho client for ``broker`` with reconnects; set its options and callbacks, then ``start(client, broker)``."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id(role),
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set()  # the system's certificate authorities
    client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
    return client


def start(client: mqtt.Client, broker: BrokerUrl) -> None:
    """Connect in paho's network thread, which retries the first connection and every later one by itself."""
    client.connect_async(broker.host, broker.port, keepalive=KEEPALIVE_S)
    client.loop_start()


def close_thread_connection() -> None:
    """Close this thread's database connection, unless it is in a transaction (a caller's, or a test's)."""
    if not connection.in_atomic_block:
        connection.close()


# --- topics and Home Assistant discovery -----------------------------------------------------------------------
@dataclass(frozen=True)
class Topics:
    prefix: str
    discovery_prefix: str = "homeassistant"

    @property
    def available(self) -> str:
        return f"{self.prefix}/available"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}/alerts"

    def alerts_of(self, camera: CameraRef | None, alert_type: str) -> str:
        return f"{self.prefix}/{'system' if camera is None else camera.slug}/alerts/{alert_type}"

    def state(self, camera: CameraRef) -> str:
        return f"{self.prefix}/{camera.slug}/state"

    def open_alerts(self, camera: CameraRef) -> str:
        return f"{self.prefix}/{camera.slug}/open_alerts"

    @property
    def node_id(self) -> str:
        """The prefix as Home Assistant accepts it in ids: two installations on one broker stay apart."""
        return re.sub(r"[^A-Za-z0-9_-]+", "_", self.prefix)

    def discovery(self, component: str, camera_id: int) -> str:
        # By id, not slug: a renamed camera updates its entities instead of making new ones.
        return f"{self.discovery_prefix}/{component}/{self.node_id}/camera_{camera_id}/config"


def discovery_configs(topics: Topics, camera: CameraRef) -> dict[str, dict[str, Any]]:
    """The retained configs (by topic) that make ``camera`` a Home Assistant device with two entities."""
    base = f"{topics.node_id}_camera_{camera.id}"
    common = {
        "availability_topic": topics.available,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "qos": QOS,
        "device": {
            "identifiers": [base],
            "name": camera.name,
            "manufacturer": "Chamada",
            "model": _("Attendance camera"),
        },
        "origin": {"name": "Chamada"},
    }
    return {
        topics.discovery("binary_sensor", camera.id): {
            **common,
            "name": _("Connection"),
            "unique_id": f"{base}_connectivity",
            "device_class": "connectivity",
            "state_topic": topics.state(camera),
            "payload_on": ONLINE,
            "payload_off": OFFLINE,
        },
        topics.discovery("sensor", camera.id): {
            **common,
            "name": _("Open alerts"),
            "unique_id": f"{base}_open_alerts",
            "state_topic": topics.open_alerts(camera),
            "state_class": "measurement",
            "icon": "mdi:alert",
        },
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# --- the handler -----------------------------------------------------------------------------------------------
class MqttHandler(Handler):
    """One persistent connection per handler object, kept by paho's network thread (it reconnects by itself)."""

    name = "mqtt"
    batches = True

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "chamada",
        ha_discovery: bool = False,
        ha_discovery_prefix: str = "homeassistant",
    ) -> None:
        self.broker = BrokerUrl.parse(url)
        self.topics = Topics(prefix, ha_discovery_prefix)
        self.ha_discovery = ha_discovery
        self._connected = threading.Event()
        self._ever_connected = threading.Event()
        self._closing = False
        self._announced: set[int] = set()  # cameras whose discovery config went out on this connection
        self._announced_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._client = new_client(self.broker, "alerts")
        self._client.max_inflight_messages_set(MAX_INFLIGHT)
        self._client.max_queued_messages_set(MAX_QUEUED)
        self._client.will_set(self.topics.available, OFFLINE, qos=QOS, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        start(self._client, self.broker)

    @classmethod
    def from_settings(cls) -> Self:
        return cls(
            settings.MQTT_URL,
            prefix=settings.MQTT_TOPIC_PREFIX,
            ha_discovery=settings.MQTT_HA_DISCOVERY,
            ha_discovery_prefix=settings.MQTT_HA_DISCOVERY_PREFIX,
        )

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    # -- sending --
    def send(self, message: AlertMessage) -> str | None:
        deadline = time.monotonic() + float(settings.ALERT_HANDLER_TIMEOUT_S) * SEND_BUDGET
        self._require_connection(deadline - time.monotonic())
        infos, announcing = self._publish_message(message)
        self._wait_acknowledged(infos, deadline)
        self._announced_done(message, announcing)
        return None

    def send_many(self, messages: Sequence[AlertMessage], timeout_s: float) -> list[str | Exception | None]:
        """Every message's publishes first, then one wait for all the acknowledgements: a batch costs about one
        round trip to the broker, not one per message."""
        deadline = time.monotonic() + timeout_s * SEND_BUDGET
        self._require_connection(deadline - time.monotonic())
        published: list[tuple[AlertMessage, list[mqtt.MQTTMessageInfo], bool] | Exception] = []
        for message in messages:
            try:
                published.append((message, *self._publish_message(message)))
            except Exception as error:
                published.append(error)
        results: list[str | Exception | None] = []
        for entry in published:
            if isinstance(entry, Exception):
                results.append(entry)
                continue
            message, infos, announcing = entry
            try:
                self._wait_acknowledged(infos, deadline)
            except DeliveryError as error:
                results.append(error)
                continue
            self._announced_done(message, announcing)
            results.append(None)
        return results

    def _publish_message(self, message: AlertMessage) -> tuple[list[mqtt.MQTTMessageInfo], bool]:
        """Queue the message's publishes (its topics, a new camera's discovery, the camera's state)."""
        body = _json(message.as_dict())
        publishes: list[tuple[str, str, bool]] = [
            (self.topics.alerts, body, False),
            (self.topics.alerts_of(message.camera, message.type), body, False),
        ]
        camera = message.camera
        announcing = False
        if camera is not None:
            with self._announced_lock:
                announcing = self.ha_discovery and camera.id not in self._announced
            if announcing:  # a camera added since this connection began
                publishes += [
                    (topic, _json(config), True) for topic, config in discovery_configs(self.topics, camera).items()
                ]
        infos = [self._publish(topic, payload, retain) for topic, payload, retain in publishes]
        if camera is not None:
            infos += self._publish_camera_state(camera)
        return infos, announcing

    def _announced_done(self, message: AlertMessage, announcing: bool) -> None:
        if announcing and message.camera is not None:
            with self._announced_lock:
                self._announced.add(message.camera.id)

    def _publish(self, topic: str, payload: str, retain: bool) -> mqtt.MQTTMessageInfo:
        info = self._client.publish(topic, payload, qos=QOS, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            # NO_CONN: the connection dropped meanwhile (paho keeps the message and resends it on reconnect).
            raise DeliveryError(f"MQTT publish to {self.broker} failed: {mqtt.error_string(info.rc)}")
        return info

    def _publish_camera_state(self, camera: CameraRef) -> list[mqtt.MQTTMessageInfo]:
        """The camera's retained state and count as the database has them now, whatever this message says.

        Read and published under one lock: two deliveries at once (or a late retry) cannot leave an older reading
        retained after a newer one, since one connection keeps the order of its publishes.
        """
        from monitoring.models import UNRESOLVED, Alert

        with self._state_lock:
            try:
                kinds = list(
                    Alert.objects.filter(camera_id=camera.id, status__in=UNRESOLVED).values_list("type", flat=True)
                )
            finally:
                close_thread_connection()  # the dispatcher runs each send in a thread of its own
            return [
                self._publish(self.topics.state(camera), OFFLINE if "camera_offline" in kinds else ONLINE, True),
                self._publish(self.topics.open_alerts(camera), str(len(kinds)), True),
            ]

    def _wait_acknowledged(self, infos: list[mqtt.MQTTMessageInfo], deadline: float) -> None:
        for info in infos:
            try:
                # In slices: a connection lost meanwhile fails the wait at once (the retry goes out as soon as
                # the broker is back) instead of holding the batch until the deadline.
                while not info.is_published() and (left := deadline - time.monotonic()) > 0:
                    if not self._connected.is_set():
                        raise DeliveryError(f"lost the MQTT broker at {self.broker} before it acknowledged")
                    info.wait_for_publish(min(left, ACK_SLICE_S))
                acknowledged = info.is_published()
            except (RuntimeError, ValueError) as error:
                raise DeliveryError(f"MQTT publish to {self.broker} failed: {error}") from error
            if not acknowledged:
                raise DeliveryError(f"the MQTT broker at {self.broker} did not acknowledge in time")

    def _require_connection(self, wait_s: float) -> None:
        # Before the first connect (a handler just built) a short wait saves a retry; after it, an outage fails
        # at once so the dispatcher's threads do not queue up behind it.
        if not self._ever_connected.is_set():
            self._connected.wait(max(0.0, wait_s))
        if not self._connected.is_set():
            raise DeliveryError(f"not connected to the MQTT broker at {self.broker}")

    def check(self, timeout_s: float) -> None:
        self._require_connection(timeout_s)

    def close(self) -> None:
        """Disconnect cleanly (no will: other processes may still be online) and stop paho's thread."""
        self._closing = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    # -- paho's thread --
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            logger.error("the MQTT broker at %s refused the connection: %s", self.broker, reason_code)
            return
        logger.info("connected to the MQTT broker at %s", self.broker)
        with self._announced_lock:
            self._announced.clear()
        # Before any send sees "connected": availability first, then the cameras' retained topics.
        client.publish(self.topics.available, ONLINE, qos=QOS, retain=True)
        reconnected = self._ever_connected.is_set()
        try:
            with self._state_lock:  # a send finishing meanwhile must not be overtaken by an older reading
                self._publish_cameras(client)
            self._connected.set()
            self._ever_connected.set()
            if reconnected:
                # Back after an outage: the deliveries waiting out their backoff are due now.
                from monitoring.services.delivery import expedite

                expedite(self.name)
        except Exception:
            logger.exception("could not publish the cameras' MQTT state; it follows with the next alerts")
        finally:
            self._connected.set()
            self._ever_connected.set()
            close_thread_connection()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._connected.clear()
        if not self._closing:
            logger.warning("lost the MQTT broker at %s (%s); reconnecting", self.broker, reason_code)

    def _publish_cameras(self, client: mqtt.Client) -> None:
        """Every enabled camera's state and open-alert count (and its discovery config), as the database has them."""
        from cameras.models import Camera
        from monitoring.models import UNRESOLVED, Alert
        from monitoring.services.messages import camera_ref

        unresolved = Alert.objects.filter(status__in=UNRESOLVED, camera__isnull=False)
        offline = set(unresolved.filter(type="camera_offline").values_list("camera_id", flat=True))
        counts = dict(unresolved.order_by().values("camera_id").annotate(n=Count("pk")).values_list("camera_id", "n"))
        for camera in Camera.objects.order_by("pk"):
            ref = camera_ref(camera)
            if not camera.enabled:
                if self.ha_discovery:  # a camera switched off leaves Home Assistant
                    for topic in discovery_configs(self.topics, ref):
                        client.publish(topic, b"", qos=QOS, retain=True)
                continue
            if self.ha_discovery:
                for topic, config in discovery_configs(self.topics, ref).items():
                    client.publish(topic, _json(config), qos=QOS, retain=True)
                with self._announced_lock:
                    self._announced.add(camera.pk)
            client.publish(self.topics.state(ref), OFFLINE if camera.pk in offline else ONLINE, qos=QOS, retain=True)
            client.publish(self.topics.open_alerts(ref), str(counts.get(camera.pk, 0)), qos=QOS, retain=True)
