"""Frigate refusing an event (a 4xx) ends its delivery dead at once; a failure of Frigate's own (a 5xx) is retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitoring.events import AlertEvent
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.frigate_server import FakeFrigate
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


def test_a_bad_request_is_dead_after_one_attempt_with_frigates_reason(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]]
) -> None:
    frigate.answer_next(400, {"success": False, "message": "score must be within 0..1"})
    publish(AlertEvent("unknown_face", camera_id=CameraFactory(frigate_camera="sala_1a").pk))

    assert deliver_now() == ["dead"]

    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert "400" in delivery.last_error and "score must be within 0..1" in delivery.last_error
    assert deliver_now() == []  # nothing left to try
    assert len(frigate.requests) == 1


def test_a_camera_frigate_does_not_have_is_dead_too(frigate: FakeFrigate, deliver_now: Callable[[], list[str]]) -> None:
    publish(AlertEvent("unknown_face", camera_id=CameraFactory(frigate_camera="garagem").pk))

    assert deliver_now() == ["dead"]

    assert "garagem is not a valid camera." in AlertDelivery.objects.get().last_error


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_failure_of_frigates_own_is_retried_then_delivered(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]], status: int
) -> None:
    frigate.answer_next(status, {"success": False, "message": "An unknown error occurred"})
    publish(AlertEvent("unknown_face", camera_id=CameraFactory(frigate_camera="sala_1a").pk))

    assert deliver_now() == ["pending"]
    delivery = AlertDelivery.objects.get()
    assert delivery.attempts == 1 and f"{status}" in delivery.last_error

    wait_until(lambda: deliver_now() == ["delivered"], 5, "the retry after the backoff")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    assert delivery.external_id
    assert len(frigate.requests) == 2
