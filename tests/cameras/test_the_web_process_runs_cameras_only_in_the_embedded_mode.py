from __future__ import annotations

from typing import Any

import pytest

from cameras.services.supervisor import CameraSupervisor, EmbeddedCameras, embedded_cameras_wanted


def test_the_supervisor_is_wanted_only_embedded_not_switched_off_and_not_under_pytest(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.EMBEDDED = True
    assert not embedded_cameras_wanted()  # pytest: importing school.asgi must not start the test database's cameras

    monkeypatch.delenv("PYTEST_VERSION")
    assert embedded_cameras_wanted()
    settings.EMBEDDED_CAMERAS = False  # CHAMADA_EMBEDDED_CAMERAS=0
    assert not embedded_cameras_wanted()
    settings.EMBEDDED_CAMERAS = True
    settings.EMBEDDED = False  # Redis: Celery workers run the cameras
    assert not embedded_cameras_wanted()


async def test_the_asgi_lifespan_starts_and_stops_the_supervisor() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("lifespan events are answered by the wrapper")

    supervisor = CameraSupervisor(interval_s=60, processor=lambda camera_id, stop: "stopped")
    wrapped = EmbeddedCameras(app, supervisor)
    events = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> Any:
        if sent == ["lifespan.startup.complete"]:
            assert supervisor.running
        return next(events)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    await wrapped({"type": "lifespan"}, receive, send)

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert not supervisor.running
