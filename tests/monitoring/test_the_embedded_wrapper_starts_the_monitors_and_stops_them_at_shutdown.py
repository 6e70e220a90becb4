from __future__ import annotations

import asyncio
from typing import Any

from channels.routing import ProtocolTypeRouter

from monitoring.monitors.embedded import EmbeddedMonitors


class FakeRunner:
    def __init__(self) -> None:
        self.started = 0
        self.stopped = 0

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1


async def http_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class Messages:
    def __init__(self, *incoming: dict[str, Any]) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for message in incoming:
            self.incoming.put_nowait(message)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


async def test_lifespan_starts_and_stops_the_runner_and_requests_pass_through() -> None:
    runner = FakeRunner()
    app = EmbeddedMonitors(ProtocolTypeRouter({"http": http_app}), runner=runner)  # type: ignore[arg-type]

    lifespan = Messages({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    await asyncio.wait_for(app({"type": "lifespan"}, lifespan.receive, lifespan.send), 5)
    assert [m["type"] for m in lifespan.sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert (runner.started, runner.stopped) == (1, 1)

    request = Messages({"type": "http.request", "body": b""})
    await app({"type": "http", "method": "GET", "path": "/", "headers": []}, request.receive, request.send)
    assert request.sent[0]["status"] == 204
    await app({"type": "http", "method": "GET", "path": "/", "headers": []}, request.receive, request.send)
    assert runner.started == 2  # stopped at the shutdown, started again by a request; not once per request
    app.stop()
    assert runner.stopped == 2


async def test_an_inner_application_that_answers_lifespan_gets_it_and_the_runner_still_stops() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:  # like EmbeddedCameras
        while True:
            message = await receive()
            seen.append(message["type"])
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return

    runner = FakeRunner()
    app = EmbeddedMonitors(inner, runner=runner)  # type: ignore[arg-type]
    lifespan = Messages({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    await asyncio.wait_for(app({"type": "lifespan"}, lifespan.receive, lifespan.send), 5)
    assert seen == ["lifespan.startup", "lifespan.shutdown"]
    assert (runner.started, runner.stopped) == (1, 1)
