"""The server side of bench/kiosk.py, which runs daphne on one of these applications:

- ``pooled``: the real project (school.asgi), whose kiosk socket recognises frames in the KIOSK_WORKERS pool;
- ``naive``: the same project but for its kiosk socket, which recognises each frame inline on the event loop, as a
  consumer written without thinking about it would (no pool, no frame dropped: every frame is queued and answered).

Both are wrapped in a probe that measures the server from inside: ``GET /bench/ping`` is answered by the event loop
itself (no Django, no thread), and two tickers record how late they wake up, one a task on the event loop (late when
the loop is busy), one a thread (late when the GIL or a CPU is not to be had). Their samples go, as
``loop|thread <time.monotonic()> <seconds late>`` lines, to the file that BENCH_KIOSK_PROBE names.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from school import asgi

#: The project as served (importing school.asgi sets Django up, which the imports below need).
school_application = asgi.application

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402

from cameras.consumers import FrameConsumer, frame_bytes  # noqa: E402
from cameras.services.kiosk import KioskFrameError  # noqa: E402
from school.routing import websocket_urlpatterns  # noqa: E402

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: How often the tickers look at the clock.
TICK_S = 0.02
#: How often the thread ticker writes the samples out.
FLUSH_S = 0.25


class NaiveFrameConsumer(FrameConsumer):
    """The kiosk socket without its pool: each frame is recognised on the event loop, then answered. Frames that
    come meanwhile wait in the socket's queue (none is dropped). Its ORM calls run on the loop too, so it needs
    DJANGO_ALLOW_ASYNC_UNSAFE, which bench/kiosk.py sets for it."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            reply = self.session.process(frame_bytes(text_data, bytes_data))
        except KioskFrameError as error:
            await self.send_error(error.code, error.detail)
            return
        await self.send(text_data=json.dumps({"type": "detection_results", **reply}))


class Probe:
    """Answers /bench/ping from the event loop, and starts the tickers at the first request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.started = False
        self.samples: deque[tuple[str, float, float]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.started:
            self.started = True
            asyncio.get_running_loop().create_task(self._loop_ticker())
            threading.Thread(target=self._thread_ticker, name="bench-probe", daemon=True).start()
        if scope["type"] == "http" and scope["path"] == "/bench/ping":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"pong"})
            return
        await self.app(scope, receive, send)

    async def _loop_ticker(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(TICK_S)
            after = time.monotonic()
            self.samples.append(("loop", after, after - before - TICK_S))

    def _thread_ticker(self) -> None:
        target = os.environ.get("BENCH_KIOSK_PROBE")
        flushed = time.monotonic()
        while True:
            before = time.monotonic()
            time.sleep(TICK_S)
            after = time.monotonic()
            self.samples.append(("thread", after, after - before - TICK_S))
            if target and after - flushed >= FLUSH_S:
                flushed = after
                lines = []
                while self.samples:
                    kind, at, late = self.samples.popleft()
                    lines.append(f"{kind} {at:.6f} {late:.6f}\n")
                with open(target, "a") as handle:
                    handle.writelines(lines)


pooled = Probe(school_application)

naive = Probe(
    ProtocolTypeRouter(
        {
            "http": get_asgi_application(),
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    URLRouter([path("ws/frames/<str:code>/", NaiveFrameConsumer.as_asgi()), *websocket_urlpatterns])
                )
            ),
        }
    )
)
