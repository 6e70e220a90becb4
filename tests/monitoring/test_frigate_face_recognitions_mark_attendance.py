"""A face Frigate recognises on a camera of Chamada's marks the student present in that classroom's lesson, as a
Chamada camera would, with ``frigate`` as the source: straight from the broker when the ingest is on."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from attendance.models import AttendanceLog, Presence
from cameras.models import Camera
from monitoring.ingest.frigate import FrigateIngest, frigate_ingest_from_settings, handle_frigate_message
from school.models import Lesson, Student
from tests.cameras.conftest import lesson_now
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory
from tests.markers import committing_db
from tests.monitoring.mqtt_support import Watcher
from tests.support.waiting import wait_until


@dataclass
class Door:
    camera: Camera
    lesson: Lesson
    student: Student


def door(frigate_camera: str = "porta") -> Door:
    classroom = ClassroomFactory()
    lesson = lesson_now(classroom)
    student = StudentFactory(frigate_name="Maria Souza", consenting=True)
    EnrollmentFactory(student=student, classroom=classroom)
    return Door(CameraFactory(classroom=classroom, frigate_camera=frigate_camera, dedup_seconds=60), lesson, student)


def face(name: str, camera: str, timestamp: float, score: float = 0.93) -> bytes:
    message = {"type": "face", "id": f"{timestamp}-abc", "name": name, "score": score, "camera": camera}
    return json.dumps({**message, "timestamp": timestamp}).encode()


@pytest.mark.django_db
def test_a_recognised_face_marks_the_student_present_at_frigates_time(settings: Any) -> None:
    settings.FRIGATE_MIN_SCORE = 0.8
    here = door()
    seen = time.time() - 100

    assert handle_frigate_message(face("maria souza", "porta", seen)) == "recorded"  # any case

    presence = Presence.objects.get()
    assert (presence.lesson, presence.student, presence.source) == (here.lesson, here.student, "frigate")
    assert presence.status == "present"
    assert abs(presence.first_seen.timestamp() - seen) < 0.01
    log = AttendanceLog.objects.get()
    assert (log.camera, log.distance) == (here.camera, None)

    # Frigate repeats itself while the face stays in view: within the camera's window that is one sighting.
    assert handle_frigate_message(face("Maria Souza", "porta", seen + 5)) == "recorded"
    assert AttendanceLog.objects.count() == 1
    # The registration number is a name Frigate may use too.
    assert handle_frigate_message(face(here.student.registration, "porta", seen + 90)) == "recorded"
    assert AttendanceLog.objects.count() == 2
    assert Presence.objects.count() == 1


def test_the_ingest_is_made_only_when_switched_on(settings: Any) -> None:
    settings.FRIGATE_MQTT_URL = "mqtt://127.0.0.1:1883"
    settings.FRIGATE_MQTT_INGEST = False
    assert frigate_ingest_from_settings() is None
    settings.FRIGATE_MQTT_INGEST = True
    settings.FRIGATE_TOPIC_PREFIX = "frigate-b"
    ingest = frigate_ingest_from_settings()
    assert isinstance(ingest, FrigateIngest)
    assert (ingest.topic, ingest.running) == ("frigate-b/tracked_object_update", False)


@pytest.fixture
def ingest(settings: Any, mqtt_url: str) -> Iterator[FrigateIngest]:
    settings.FRIGATE_MQTT_INGEST = True
    settings.FRIGATE_MQTT_URL = mqtt_url
    settings.FRIGATE_TOPIC_PREFIX = f"frigate-test-{uuid.uuid4().hex[:12]}"  # nobody else's messages
    settings.FRIGATE_MIN_SCORE = 0.8
    ingest = frigate_ingest_from_settings()
    assert ingest is not None
    yield ingest
    ingest.stop()


@committing_db  # the ingest records in paho's thread
def test_a_recognition_published_to_the_broker_marks_attendance(ingest: FrigateIngest, mqtt_url: str) -> None:
    here = door(frigate_camera="entrada")
    ingest.start()
    assert ingest.running
    assert ingest.wait_subscribed(5)
    now = time.time()

    with Watcher(mqtt_url) as frigate:
        frigate.publish(ingest.topic, b"{broken")  # logged and dropped; the next message still counts
        frigate.publish(ingest.topic, face("Maria Souza", "entrada", now, score=0.5))
        frigate.publish(ingest.topic, face("Maria Souza", "entrada", now))

    presence = wait_until(lambda: Presence.objects.filter(student=here.student).first(), 5, "the presence")
    assert (presence.lesson, presence.source) == (here.lesson, "frigate")
    assert presence.first_seen is not None
    assert abs(presence.first_seen - dt.datetime.fromtimestamp(now, tz=dt.UTC)) < dt.timedelta(seconds=0.01)
    assert AttendanceLog.objects.count() == 1  # the low score marked nothing

    ingest.stop()
    assert not ingest.running
