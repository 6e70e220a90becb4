"""An alert reaches an MQTT subscriber: on the common topic and on its camera's (or the system's), as JSON, QoS 1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers.mqtt import Topics
from monitoring.services.messages import camera_slug
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.mqtt_support import Watcher, alert_topics

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(settings: Any, mqtt_url: str) -> Iterator[Topics]:
    with alert_topics(settings, mqtt_url) as topics:
        yield topics


def test_a_camera_alert_reaches_the_common_topic_and_the_cameras(
    topics: Topics, mqtt_url: str, deliver_now: Callable[[], list[str]]
) -> None:
    camera = CameraFactory(name="Porta da frente")
    slug = camera_slug(camera.pk, camera.name)
    with Watcher(mqtt_url, f"{topics.prefix}/#") as watcher:
        alert = publish(AlertEvent("unknown_face", camera_id=camera.pk, classroom_id=camera.classroom_id))
        assert alert is not None

        assert deliver_now() == ["delivered"]

        own = f"{topics.prefix}/{slug}/alerts/unknown_face"
        watcher.wait_for(lambda: watcher.on(topics.alerts) and watcher.on(own), 5, "the alert on both topics")
    for message in (*watcher.on(topics.alerts), *watcher.on(own)):
        body = json.loads(message.payload)
        assert (body["id"], body["type"], body["event"]) == (str(alert.uuid), "unknown_face", "raised")
        assert body["camera"] == {"id": camera.pk, "name": "Porta da frente", "slug": slug}
        assert body["classroom"] == camera.classroom.code
        assert message.qos == 1
    assert len(watcher.on(topics.alerts)) == len(watcher.on(own)) == 1


def test_an_alert_without_a_camera_goes_to_the_system_topic_raised_then_resolved(
    topics: Topics, mqtt_url: str, deliver_now: Callable[[], list[str]]
) -> None:
    own = f"{topics.prefix}/system/alerts/host_overload"
    with Watcher(mqtt_url, own) as watcher:
        alert = publish(AlertEvent("host_overload", source_key="host:a", payload={"cpu_percent": 97.5}))
        assert alert is not None
        assert deliver_now() == ["delivered"]
        publish(AlertEvent("host_recovered", source_key="host:a"))
        assert deliver_now() == ["delivered"]

        watcher.wait_for(lambda: len(watcher.on(own)) == 2, 5, "the raised and the resolved message")
    bodies = [json.loads(message.payload) for message in watcher.on(own)]
    assert [(body["id"], body["event"], body["status"]) for body in bodies] == [
        (str(alert.uuid), "raised", "open"),
        (str(alert.uuid), "resolved", "resolved"),
    ]
    assert bodies[0]["camera"] is None
    assert bodies[0]["payload"] == {"cpu_percent": 97.5}
