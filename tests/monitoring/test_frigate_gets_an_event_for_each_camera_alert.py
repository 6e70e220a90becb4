"""An alert on a camera that Frigate knows becomes a Frigate event with its boxes drawn; the event id is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from monitoring.events import AlertEvent, Detection
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.frigate_server import FakeFrigate

pytestmark = pytest.mark.django_db


def test_an_unknown_face_becomes_a_face_event_with_its_box(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]]
) -> None:
    camera = CameraFactory(frigate_camera="sala_1a")
    face = Detection(class_id=0, class_name="face", confidence=0.87, x=0.25, y=0.1, width=0.125, height=0.25)
    alert = publish(AlertEvent("unknown_face", camera_id=camera.pk, detections=(face,)))

    assert deliver_now() == ["delivered"]

    assert alert is not None
    [request] = frigate.requests
    assert (request.method, request.path) == ("POST", "/api/events/sala_1a/face/create")
    assert request.body == {
        "sub_label": alert.get_type_display(),  # the type's title, in the server's language
        "score": 0.87,
        "duration": 10,
        "include_recording": True,
        "draw": {"boxes": [{"box": [0.25, 0.1, 0.125, 0.25], "color": [0, 165, 255], "score": 87}]},
    }
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == "delivered"
    assert delivery.external_id.endswith("-000001")  # the event_id the fake Frigate gave the first request


def test_a_recognised_student_is_named_and_an_alert_without_boxes_scores_one(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]], settings: Any
) -> None:
    settings.ALERT_TYPES_ON = ["student_recognised"]
    camera = CameraFactory(frigate_camera="sala_1a")
    publish(
        AlertEvent("student_recognised", camera_id=camera.pk, source_key="presence:7", payload={"student": "Ana Lima"})
    )

    assert deliver_now() == ["delivered"]

    [request] = frigate.requests
    assert request.path == "/api/events/sala_1a/face/create"
    assert (request.body["sub_label"], request.body["score"], request.body["duration"]) == ("Ana Lima", 1.0, 10)
    assert "draw" not in request.body


def test_alerts_of_cameras_frigate_does_not_know_are_done_without_a_request(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]]
) -> None:
    publish(AlertEvent("unknown_face", camera_id=CameraFactory(frigate_camera="").pk))
    publish(AlertEvent("disk_low", source_key="disk:srv:/"))  # no camera at all

    assert deliver_now() == ["delivered", "delivered"]

    assert frigate.requests == []
    assert set(AlertDelivery.objects.values_list("status", "external_id")) == {("delivered", "")}
