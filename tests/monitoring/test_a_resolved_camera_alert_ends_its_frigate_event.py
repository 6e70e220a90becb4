"""An alert that a later event resolves opens a Frigate event with no end; its resolution ends that very event, and
waits for it when it comes first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.delivery import deliver_one
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.frigate_server import FakeFrigate
from tests.support.waiting import wait_until


def delivered(event: str) -> AlertDelivery | None:
    return AlertDelivery.objects.filter(handler="frigate", event=event, status="delivered").first()


@pytest.mark.django_db(transaction=True)  # the dispatcher's threads deliver after commit, as in production
def test_camera_online_ends_the_event_camera_offline_opened(frigate: FakeFrigate) -> None:
    camera = CameraFactory(frigate_camera="sala_1a")
    offline_at = timezone.now() - dt.timedelta(minutes=3)
    publish(AlertEvent("camera_offline", camera_id=camera.pk, time=offline_at))

    raised = wait_until(lambda: delivered("raised"), 10, "the raised alert in Frigate")
    [create] = frigate.requests
    assert create.path == "/api/events/sala_1a/camera_offline/create"
    assert create.body["duration"] is None  # open until the camera is back
    assert frigate.open_events == {raised.external_id}

    back_at = timezone.now()
    publish(AlertEvent("camera_online", camera_id=camera.pk, time=back_at))

    resolved = wait_until(lambda: delivered("resolved"), 10, "the resolution in Frigate")
    end = frigate.requests[1]
    assert (end.method, end.path) == ("PUT", f"/api/events/{raised.external_id}/end")
    assert end.body == {"end_time": pytest.approx(back_at.timestamp())}
    assert resolved.external_id == raised.external_id
    assert frigate.open_events == set()


@pytest.mark.django_db
def test_a_resolution_that_overtakes_its_raise_waits_for_the_event(frigate: FakeFrigate) -> None:
    camera = CameraFactory(frigate_camera="sala_1a")
    publish(AlertEvent("camera_offline", camera_id=camera.pk))
    publish(AlertEvent("camera_online", camera_id=camera.pk))  # both deliveries still pending
    raised = AlertDelivery.objects.get(event="raised")
    resolution = AlertDelivery.objects.get(event="resolved")

    assert deliver_one(resolution.pk) == "pending"  # tried first: it fails, retryable, and sends nothing
    assert frigate.requests == []
    assert "not delivered yet" in AlertDelivery.objects.get(pk=resolution.pk).last_error

    assert deliver_one(raised.pk) == "delivered"
    AlertDelivery.objects.filter(pk=resolution.pk).update(next_attempt_at=timezone.now())
    assert deliver_one(resolution.pk) == "delivered"
    assert [request.method for request in frigate.requests] == ["POST", "PUT"]
