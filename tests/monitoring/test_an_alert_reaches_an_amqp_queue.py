"""Each alert reaches the broker as one persistent JSON message on the topic exchange, keyed alert.<type>.<severity>,
with the alert's id as message_id so a consumer can drop repeats."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent, Detection
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.amqp_queue import alert_exchange, alert_queue
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange(settings: Any, amqp_url: str) -> Iterator[str]:
    with alert_exchange(settings, amqp_url) as name:
        yield name


def test_a_raised_alert_arrives_persistent_as_json_under_its_routing_key(
    amqp_url: str, exchange: str, deliver_now: Callable[[], list[str]]
) -> None:
    with (
        alert_queue(amqp_url, exchange, "alert.#") as everything,
        alert_queue(amqp_url, exchange, "alert.*.critical") as critical,
    ):
        camera = CameraFactory(name="Sala 1")
        box = Detection(class_id=0, class_name="face", confidence=0.9, x=0.5, y=0.25, width=0.1, height=0.2)
        face = publish(AlertEvent("unknown_face", camera_id=camera.pk, detections=(box,)))
        disk = publish(AlertEvent("disk_low", source_key="disk:srv:/"))
        assert face is not None and disk is not None

        assert deliver_now() == ["delivered", "delivered"]

        wait_until(lambda: len(everything.messages()) == 2, 5, "both alerts")
        messages = everything.messages()
        by_id = {message.properties["message_id"]: message for message in messages}
        message = by_id[str(face.uuid)]
        assert message.delivery_info["routing_key"] == "alert.unknown_face.warning"
        assert message.properties["delivery_mode"] == 2  # persistent
        assert message.content_type == "application/json"
        assert message.headers == {"alert_id": str(face.uuid), "event": "raised"}
        body = json.loads(message.body)
        assert (body["id"], body["type"], body["event"], body["severity"]) == (
            str(face.uuid),
            "unknown_face",
            "raised",
            "warning",
        )
        assert body["camera"]["name"] == "Sala 1"
        assert body["detections"][0]["box"] == {"x": 0.5, "y": 0.25, "width": 0.1, "height": 0.2}
        assert by_id[str(disk.uuid)].delivery_info["routing_key"] == "alert.disk_low.critical"

        assert critical.message_ids() == [str(disk.uuid)]  # a binding by severity gets only its own


def test_a_resolution_comes_under_the_same_key_with_event_resolved(
    amqp_url: str, exchange: str, deliver_now: Callable[[], list[str]]
) -> None:
    with alert_queue(amqp_url, exchange, "alert.disk_low.*") as disks:
        alert = publish(AlertEvent("disk_low", source_key="disk:srv:/"))
        publish(AlertEvent("disk_recovered", source_key="disk:srv:/"))
        assert alert is not None

        assert sorted(deliver_now()) == ["delivered", "delivered"]

        wait_until(lambda: len(disks.messages()) == 2, 5, "raised and resolved")
        messages = disks.messages()
        events = sorted((json.loads(message.body)["event"], message.headers["event"]) for message in messages)
        assert events == [("raised", "raised"), ("resolved", "resolved")]
        assert {message.properties["message_id"] for message in messages} == {str(alert.uuid)}
        assert {message.delivery_info["routing_key"] for message in messages} == {"alert.disk_low.critical"}
