"""With MQTT_HA_DISCOVERY on, every enabled camera appears in Home Assistant as a device with a connectivity
binary_sensor and a sensor of its open alerts (retained discovery configs); a camera switched off disappears."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers.mqtt import Topics
from monitoring.models import AlertDelivery
from monitoring.services import delivery
from monitoring.services.messages import camera_slug
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.monitoring.mqtt_support import Watcher, alert_topics, retained
from tests.support.waiting import wait_until

pytestmark = committing_db  # the handler's thread reads the cameras


@pytest.fixture
def topics(settings: Any, mqtt_url: str) -> Iterator[Topics]:
    with alert_topics(settings, mqtt_url) as topics:
        settings.MQTT_HA_DISCOVERY = True
        yield topics


def configs(topics: Topics, mqtt_url: str) -> dict[str, dict[str, Any]]:
    return {topic: json.loads(body) for topic, body in retained(mqtt_url, f"{topics.discovery_prefix}/#").items()}


def connect() -> None:
    handler = delivery.handlers.get("mqtt")
    assert handler is not None
    handler.check(5)


def test_each_enabled_camera_is_a_device_with_two_entities(topics: Topics, mqtt_url: str) -> None:
    door, yard = CameraFactory(name="Porta"), CameraFactory(name="Pátio")
    switched_off = CameraFactory(name="Antiga", enabled=False)
    # Left by an earlier run, while that camera was still on.
    leftover = f"{topics.discovery_prefix}/binary_sensor/{topics.node_id}/camera_{switched_off.pk}/config"
    with Watcher(mqtt_url) as client:
        client.publish(leftover, json.dumps({"name": "old"}), retain=True)

    connect()

    # Connected means the handler has sent them; the broker may still be taking them in.
    def complete() -> dict[str, dict[str, Any]] | None:
        found = configs(topics, mqtt_url)
        return found if len(found) == 4 and leftover not in found else None

    found = wait_until(complete, 5, lambda: f"four configs; retained {sorted(configs(topics, mqtt_url))}")
    unique_ids = {config["unique_id"] for config in found.values()}
    assert len(unique_ids) == 4
    for camera in (door, yard):
        base = f"{topics.prefix}/{camera_slug(camera.pk, camera.name)}"
        connectivity = found[f"{topics.discovery_prefix}/binary_sensor/{topics.node_id}/camera_{camera.pk}/config"]
        open_alerts = found[f"{topics.discovery_prefix}/sensor/{topics.node_id}/camera_{camera.pk}/config"]
        assert connectivity["device_class"] == "connectivity"
        assert (connectivity["state_topic"], connectivity["payload_on"], connectivity["payload_off"]) == (
            f"{base}/state",
            "online",
            "offline",
        )
        assert open_alerts["state_topic"] == f"{base}/open_alerts"
        for config in (connectivity, open_alerts):
            assert (config["availability_topic"], config["payload_available"], config["payload_not_available"]) == (
                topics.available,
                "online",
                "offline",
            )
        # One device per camera, holding both entities.
        assert connectivity["device"] == open_alerts["device"]
        assert connectivity["device"]["name"] == camera.name
    assert (
        found[f"{topics.discovery_prefix}/sensor/{topics.node_id}/camera_{door.pk}/config"]["device"]
        != found[f"{topics.discovery_prefix}/sensor/{topics.node_id}/camera_{yard.pk}/config"]["device"]
    )
    # The entities have their state already (the door's went out before the yard's configs).
    states = retained(mqtt_url, f"{topics.prefix}/#")
    assert states[f"{topics.prefix}/{camera_slug(door.pk, door.name)}/state"] == "online"
    assert states[f"{topics.prefix}/{camera_slug(door.pk, door.name)}/open_alerts"] == "0"


def test_a_camera_added_while_connected_appears_with_its_first_alert(topics: Topics, mqtt_url: str) -> None:
    connect()
    assert configs(topics, mqtt_url) == {}

    camera = CameraFactory(name="Nova")
    publish(AlertEvent("unknown_face", camera_id=camera.pk))
    wait_until(lambda: AlertDelivery.objects.filter(status="delivered").exists(), 10, "the alert delivered")

    found = configs(topics, mqtt_url)
    assert {config["unique_id"] for config in found.values()} == {
        f"{topics.node_id}_camera_{camera.pk}_connectivity",
        f"{topics.node_id}_camera_{camera.pk}_open_alerts",
    }
