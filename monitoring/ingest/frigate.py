"""Frigate's face recognitions, taken from its MQTT topic ``<FRIGATE_TOPIC_PREFIX>/tracked_object_update``, mark
attendance as if a Chamada camera had seen the student.

Frigate publishes ``{"type": "face", "id": "...", "name": "Maria", "score": 0.93, "camera": "porta",
"timestamp": 1700000000.1}``. A message counts when its camera is an enabled Chamada camera's ``frigate_camera``,
its name is an active student's ``frigate_name`` (any case) or registration number, that student is enrolled in
the camera's classroom for its school year and has biometric consent, and the score reaches FRIGATE_MIN_SCORE.
Everything else is logged and dropped: one odd message never stops the subscriber.

``handle_frigate_message`` decides (no broker needed to test it); ``FrigateIngest`` only wires paho to it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from attendance.models import PresenceSource
from attendance.services.sightings import record_sighting
from cameras.models import Camera
from monitoring.handlers.mqtt import QOS, BrokerUrl, new_client, start
from school.models import Enrollment, Student

logger = logging.getLogger(__name__)

# What became of a message (handle_frigate_message's answer, and the logs').
RECORDED = "recorded"  # a presence was marked (or was already there)
NO_LESSON = "no_lesson"  # logged as a sighting, but the classroom has no lesson now
LOW_SCORE = "low_score"
UNKNOWN_CAMERA = "unknown_camera"
UNKNOWN_STUDENT = "unknown_student"
INACTIVE_STUDENT = "inactive_student"
NOT_ENROLLED = "not_enrolled"
NO_CONSENT = "no_consent"  # the student has no biometric consent: nothing kept, nobody marked
AMBIGUOUS_STUDENT = "ambiguous_student"  # the name fits several students of the classroom
IGNORED = "ignored"  # not a face recognition (a licence plate, a description...)
MALFORMED = "malformed"


def handle_frigate_message(payload: bytes) -> str:
    """Record one ``tracked_object_update`` message if it is a usable face recognition; returns the outcome."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        logger.info("Frigate message dropped: not JSON (%r)", payload[:200])
        return MALFORMED
    if not isinstance(data, dict):
        logger.info("Frigate message dropped: not a JSON object (%r)", payload[:200])
        return MALFORMED
    if data.get("type") != "face":
        logger.debug("Frigate message ignored: type %r is not a face recognition", data.get("type"))
        return IGNORED
    name, frigate_camera, score = data.get("name"), data.get("camera"), _number(data.get("score"))
    if not isinstance(name, str) or not name.strip() or not isinstance(frigate_camera, str) or score is None:
        logger.info("Frigate face message dropped: it lacks a name, camera or score (%r)", payload[:200])
        return MALFORMED
    name = name.strip()
    if score < settings.FRIGATE_MIN_SCORE:
        logger.debug(
            "Frigate face %r on %r ignored: score %.2f < %.2f", name, frigate_camera, score, settings.FRIGATE_MIN_SCORE
        )
        return LOW_SCORE
    cameras = list(Camera.objects.filter(enabled=True, frigate_camera=frigate_camera).select_related("classroom"))
    if not cameras:
        logger.info("Frigate face %r ignored: no enabled camera has the Frigate name %r", name, frigate_camera)
        return UNKNOWN_CAMERA
    students = list(Student.objects.filter((Q(frigate_name__iexact=name) & ~Q(frigate_name="")) | Q(registration=name)))
    if not students:
        logger.info(
            "Frigate face %r on %r ignored: no student has this Frigate name or registration", name, frigate_camera
        )
        return UNKNOWN_STUDENT
    active = {student.pk: student for student in students if student.active}
    if not active:
        logger.info("Frigate face %r on %r ignored: the student is not active", name, frigate_camera)
        return INACTIVE_STUDENT
    seen_at = _seen_at(data.get("timestamp"))
    outcomes = [_record(camera, name, active, seen_at, score) for camera in cameras]
    for outcome in (RECORDED, NO_LESSON, NO_CONSENT, AMBIGUOUS_STUDENT):
        if outcome in outcomes:
            return outcome
    logger.info("Frigate face %r on %r ignored: not enrolled in the camera's classroom", name, frigate_camera)
    return NOT_ENROLLED


def _record(camera: Camera, name: str, students: dict[int, Student], seen_at: dt.datetime, score: float) -> str:
    classroom = camera.classroom
    enrolled = list(
        Enrollment.objects.filter(
            classroom=classroom, school_year=classroom.school_year, student_id__in=list(students)
        ).values_list("student_id", flat=True)
    )
    if not enrolled:
        return NOT_ENROLLED
    if len(enrolled) > 1:
        logger.warning(
            "Frigate face %r on %s ignored: it fits %d students of %s", name, camera, len(enrolled), classroom
        )
        return AMBIGUOUS_STUDENT
    sighting = record_sighting(
        student=students[enrolled[0]],
        classroom=classroom,
        seen_at=seen_at,
        distance=None,
        camera=camera,
        dedup_seconds=camera.dedup_seconds,
        source=PresenceSource.FRIGATE,
    )
    if sighting.no_consent:
        # Frigate recognised a face Chamada may not use: record_sighting kept nothing of it.
        logger.info("Frigate face %r on %s ignored: the student has no biometric consent", name, camera)
        return NO_CONSENT
    if sighting.presence is None:
        logger.info("Frigate face %r on %s logged: %s has no lesson now", name, camera, classroom)
        return NO_LESSON
    logger.debug("Frigate face %r on %s: presence %s (score %.2f)", name, camera, sighting.presence.pk, score)
    return RECORDED


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _seen_at(timestamp: Any) -> dt.datetime:
    """Frigate's time (epoch seconds), never later than ours: a clock ahead must not put a sighting in the future."""
    now = timezone.now()
    seconds = _number(timestamp)
    if seconds is None or seconds <= 0:
        return now
    try:
        return min(dt.datetime.fromtimestamp(seconds, tz=dt.UTC), now)
    except (OverflowError, OSError, ValueError):
        return now


class FrigateIngest:
    """A paho subscriber to Frigate's ``tracked_object_update`` topic, handing each message to
    ``handle_frigate_message`` in paho's thread (which reconnects and resubscribes by itself)."""

    def __init__(self, url: str, *, topic_prefix: str = "frigate") -> None:
        self.broker = BrokerUrl.parse(url)
        self.topic = f"{topic_prefix.strip('/')}/tracked_object_update"
        self._client: mqtt.Client | None = None
        self._subscribed = threading.Event()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Started and not stopped (connected, or reconnecting by itself)."""
        return self._client is not None

    @property
    def subscribed(self) -> bool:
        return self._subscribed.is_set()

    def wait_subscribed(self, timeout_s: float) -> bool:
        """True once the broker confirmed the subscription (after a reconnect too)."""
        return self._subscribed.wait(timeout_s)

    def start(self) -> None:
        with self._lock:
            if self._client is not None:
                return
            client = new_client(self.broker, "frigate")
            client.on_connect = self._on_connect
            client.on_subscribe = self._on_subscribe
            client.on_disconnect = self._on_disconnect
            client.on_message = self._on_message
            start(client, self.broker)
            self._client = client
            logger.info("taking Frigate's face recognitions from %s, topic %s", self.broker, self.topic)

    def stop(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()
        self._subscribed.clear()

    # -- paho's thread --
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            logger.error("the MQTT broker at %s refused Frigate's ingest: %s", self.broker, reason_code)
            return
        client.subscribe(self.topic, qos=QOS)  # a clean session: subscribe again after every reconnect

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.error("the MQTT broker at %s refused the subscription to %s", self.broker, self.topic)
            return
        self._subscribed.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._subscribed.clear()
        if self._client is not None:
            logger.warning("Frigate's ingest lost the MQTT broker at %s (%s); reconnecting", self.broker, reason_code)
        if not connection.in_atomic_block:
            connection.close()  # paho's thread is ours alone: nothing else would close its connection

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            handle_frigate_message(bytes(message.payload))
        except Exception:
            logger.exception("a Frigate message could not be recorded; the next one is tried as usual")
        finally:
            close_old_connections()


def frigate_ingest_from_settings() -> FrigateIngest | None:
    """The ingest the settings ask for (FRIGATE_MQTT_INGEST, with a broker URL), not started; else None."""
    if not settings.FRIGATE_MQTT_INGEST:
        return None
    if not settings.FRIGATE_MQTT_URL:
        logger.warning("FRIGATE_MQTT_INGEST is on but neither FRIGATE_MQTT_URL nor MQTT_URL names a broker")
        return None
    return FrigateIngest(settings.FRIGATE_MQTT_URL, topic_prefix=settings.FRIGATE_TOPIC_PREFIX)
