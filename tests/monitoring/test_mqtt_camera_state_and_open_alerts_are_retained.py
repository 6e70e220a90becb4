"""Each enabled camera's state (online/offline) and open-alert count stay retained on the broker: as the database
has them when the handler connects, and as each delivery changes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.handlers.mqtt import Topics
from monitoring.models import Alert, AlertDelivery
from monitoring.services import delivery
from monitoring.services.messages import camera_slug
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.monitoring.mqtt_support import alert_topics, retained
from tests.support.waiting import wait_until

pytestmark = committing_db  # the handler's threads read the cameras and alerts


@pytest.fixture
def topics(settings: Any, mqtt_url: str) -> Iterator[Topics]:
    with alert_topics(settings, mqtt_url) as topics:
        yield topics


def cameras_topics(topics: Topics, mqtt_url: str) -> dict[str, str]:
    return retained(mqtt_url, f"{topics.prefix}/#")


def test_on_connect_every_enabled_camera_gets_its_state_and_count(topics: Topics, mqtt_url: str) -> None:
    watched, down = CameraFactory(), CameraFactory()
    CameraFactory(enabled=False)  # nothing of it is published
    now = timezone.now()
    for camera, kind in ((watched, "unknown_face"), (down, "camera_offline"), (down, "unknown_face")):
        Alert.objects.create(
            type=kind,
            severity="warning",
            camera=camera,
            source_key=f"{kind}:{camera.pk}",
            first_seen=now,
            last_seen=now,
        )
    Alert.objects.create(  # resolved: neither offline nor counted
        type="camera_offline",
        severity="critical",
        camera=watched,
        source_key="old",
        status="resolved",
        first_seen=now,
        last_seen=now,
    )

    handler = delivery.handlers.get("mqtt")
    assert handler is not None
    handler.check(5)

    def slug(camera: Any) -> str:
        return f"{topics.prefix}/{camera_slug(camera.pk, camera.name)}"

    expected = {
        topics.available: "online",
        f"{slug(watched)}/state": "online",
        f"{slug(watched)}/open_alerts": "1",
        f"{slug(down)}/state": "offline",
        f"{slug(down)}/open_alerts": "2",
    }
    # Connected means the handler has sent them; the broker may still be taking them in.
    wait_until(
        lambda: cameras_topics(topics, mqtt_url) == expected, 5, lambda: f"retained {cameras_topics(topics, mqtt_url)}"
    )


def test_a_camera_going_offline_and_back_is_retained_with_its_count(topics: Topics, mqtt_url: str) -> None:
    camera = CameraFactory()
    base = f"{topics.prefix}/{camera_slug(camera.pk, camera.name)}"

    publish(AlertEvent("camera_offline", camera_id=camera.pk))
    publish(AlertEvent("unknown_face", camera_id=camera.pk, source_key=f"camera:{camera.pk}:track:1"))
    wait_until(lambda: AlertDelivery.objects.filter(status="delivered").count() == 2, 10, "both delivered")
    snapshot = cameras_topics(topics, mqtt_url)
    assert (snapshot[f"{base}/state"], snapshot[f"{base}/open_alerts"]) == ("offline", "2")

    publish(AlertEvent("camera_online", camera_id=camera.pk))
    wait_until(lambda: AlertDelivery.objects.filter(status="delivered").count() == 3, 10, "the resolution delivered")
    snapshot = cameras_topics(topics, mqtt_url)
    assert (snapshot[f"{base}/state"], snapshot[f"{base}/open_alerts"]) == ("online", "1")
