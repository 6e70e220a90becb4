"""A restart makes every process close its alert handlers and build them again from the settings (a new
configuration version in the shared switches), and leaves alert processing running."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import pytest
from rest_framework.test import APIClient

from monitoring.events import AlertMessage
from monitoring.handlers import HANDLERS, HandlerSpec
from monitoring.handlers.base import Handler
from monitoring.models import AlertProcessing
from monitoring.services import delivery
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


class CountingHandler(Handler):
    name = "counting"
    built: ClassVar[list[CountingHandler]] = []

    def __init__(self, url: str) -> None:
        self.url = url
        self.closed = False

    @classmethod
    def from_settings(cls) -> Self:
        from django.conf import settings

        handler = cls(settings.TEST_COUNTING_HANDLER)
        cls.built.append(handler)
        return handler

    def send(self, message: AlertMessage) -> str | None:
        return None

    def close(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def _counting_handler(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.TEST_COUNTING_HANDLER = "counting://first"
    monkeypatch.setitem(
        HANDLERS, "counting", HandlerSpec("counting", f"{__name__}.CountingHandler", "TEST_COUNTING_HANDLER")
    )
    CountingHandler.built.clear()


def test_a_restart_builds_the_handlers_again_from_the_settings(settings: Any) -> None:
    secretary = APIClient()
    secretary.force_authenticate(SecretaryFactory())
    first = delivery.handlers.get("counting")
    assert delivery.handlers.get("counting") is first  # kept from one delivery to the next
    settings.TEST_COUNTING_HANDLER = "counting://second"  # a changed broker URL, say
    AlertProcessing.objects.filter(pk=1).update(paused=True)

    body = secretary.post("/api/background/restart").json()

    second = delivery.handlers.get("counting")
    assert isinstance(first, CountingHandler) and isinstance(second, CountingHandler)
    assert second is not first and first.closed and not second.closed
    assert second.url == "counting://second"
    assert CountingHandler.built == [first, second]
    assert body["alert_processing"]["state"] == "running"
    assert AlertProcessing.objects.get(pk=1).config_version == 2
