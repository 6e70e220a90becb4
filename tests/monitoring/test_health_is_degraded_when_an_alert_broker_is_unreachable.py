"""An alert handler's broker is optional: when its check fails, /health is ``degraded`` and still 200 (alerts wait
in the outbox meanwhile), and the detailed answer gives the handler's error."""

from __future__ import annotations

from typing import Any, Self

import pytest
from rest_framework.test import APIClient

from monitoring.events import AlertMessage
from monitoring.handlers import HANDLERS, HandlerSpec
from monitoring.handlers.base import Handler
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


class UnreachableBrokerHandler(Handler):
    name = "unreachable"

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def send(self, message: AlertMessage) -> str | None:
        raise ConnectionRefusedError("broker.example:1883")

    def check(self, timeout_s: float) -> None:
        raise ConnectionRefusedError(f"broker.example:1883 refused (waited at most {timeout_s:g} s)")


@pytest.fixture(autouse=True)
def _unreachable_handler(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.TEST_UNREACHABLE_HANDLER = "mqtt://broker.example:1883"
    monkeypatch.setitem(
        HANDLERS,
        "unreachable",
        HandlerSpec("unreachable", f"{__name__}.UnreachableBrokerHandler", "TEST_UNREACHABLE_HANDLER"),
    )


def test_health_is_degraded_not_down() -> None:
    response = APIClient().get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["database"]["status"] == "ok"
    assert response.json()["checks"]["handler:unreachable"] == {"status": "down", "required": False}


def test_the_detailed_health_gives_the_handlers_error() -> None:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())

    check = staff.get("/api/background/health").json()["checks"]["handler:unreachable"]

    assert check["status"] == "down"
    assert check["detail"].startswith("ConnectionRefusedError: broker.example:1883 refused")
