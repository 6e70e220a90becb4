"""Handlers of the tests' own, registered like real ones: one that records, one that raises, one that hangs."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar, Self

import pytest

from monitoring.events import AlertMessage
from monitoring.handlers import HANDLERS, HandlerSpec
from monitoring.handlers.base import DeliveryError, Handler


class RecordingHandler(Handler):
    name = "recording"
    received: ClassVar[list[tuple[AlertMessage, float]]] = []
    _lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def send(self, message: AlertMessage) -> str | None:
        with self._lock:
            self.received.append((message, time.monotonic()))
        return f"ext-{message.id[:8]}"


class RaisingHandler(Handler):
    name = "raising"
    calls: ClassVar[int] = 0
    permanent: ClassVar[bool] = False

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def send(self, message: AlertMessage) -> str | None:
        type(self).calls += 1
        raise DeliveryError("the receiver is down", permanent=self.permanent)


class HangingHandler(Handler):
    name = "hanging"
    release: ClassVar[threading.Event] = threading.Event()

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def send(self, message: AlertMessage) -> str | None:
        self.release.wait(30)  # a broker that accepted the connection and never answers
        return None


FAKES: dict[str, type[Handler]] = {
    "recording": RecordingHandler,
    "raising": RaisingHandler,
    "hanging": HangingHandler,
}


def use_handlers(monkeypatch: pytest.MonkeyPatch, settings: Any, *names: str) -> None:
    """Make exactly these fake handlers the enabled ones (the real ones are left out; undone after the test)."""
    for name in list(HANDLERS):
        monkeypatch.delitem(HANDLERS, name)
    for name in names:
        setting = f"TEST_{name.upper()}_HANDLER"
        setattr(settings, setting, "on")
        monkeypatch.setitem(
            HANDLERS, name, HandlerSpec(name, f"tests.monitoring.fakes.{FAKES[name].__name__}", setting)
        )
    RecordingHandler.received.clear()
    RaisingHandler.calls = 0
    RaisingHandler.permanent = False
    HangingHandler.release.clear()
