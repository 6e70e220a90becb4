"""A Frigate that takes the request and never answers costs one attempt of ALERT_HANDLER_TIMEOUT_S, no more; an
unreachable one fails at once. Both are retried, and delivered once Frigate answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers.base import DeliveryError
from monitoring.handlers.frigate import FrigateHandler
from monitoring.models import AlertDelivery
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.frigate_server import FakeFrigate
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db

TIMEOUT_S = 0.5


@pytest.fixture(autouse=True)
def _short_timeout(settings: Any) -> None:
    settings.ALERT_HANDLER_TIMEOUT_S = TIMEOUT_S


def test_a_request_frigate_never_answers_fails_within_the_timeout_and_is_retried(
    frigate: FakeFrigate, deliver_now: Callable[[], list[str]]
) -> None:
    frigate.hang_next()
    publish(AlertEvent("unknown_face", camera_id=CameraFactory(frigate_camera="sala_1a").pk))

    started = time.monotonic()
    assert deliver_now() == ["pending"]
    assert time.monotonic() - started < TIMEOUT_S + 1.0

    delivery = AlertDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_error
    wait_until(lambda: deliver_now() == ["delivered"], 5, "the retry, answered this time")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [request.path for request in frigate.requests] == ["/api/events/sala_1a/face/create"] * 2


def test_the_health_check_fails_fast_on_a_hanging_or_absent_frigate(frigate: FakeFrigate) -> None:
    handler = FrigateHandler.from_settings()
    handler.check(TIMEOUT_S)  # answering: no error
    assert frigate.requests[-1].path == "/api/version"

    frigate.hang_next()
    started = time.monotonic()
    with pytest.raises(DeliveryError):
        handler.check(TIMEOUT_S)
    assert time.monotonic() - started < TIMEOUT_S + 1.0

    with socket.socket() as closed:  # a port that nothing listens on: refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(DeliveryError, match="unreachable") as refused:
        FrigateHandler(f"http://127.0.0.1:{port}", TIMEOUT_S).check(TIMEOUT_S)
    assert not refused.value.permanent
