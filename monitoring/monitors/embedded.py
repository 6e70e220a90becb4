"""Embedded mode (no Redis): the monitors run inside the web process, in a thread, like the camera supervisor.

Threads suffice here: monitors only sample, query and publish, and nothing of theirs needs the server's event
loop. Started from school/asgi.py (never from AppConfig.ready: management commands must not start monitors): at
once under Daphne, else at the ASGI ``lifespan`` startup or the first connection. Stopped at the lifespan
shutdown where the server sends one, and at interpreter exit otherwise (Daphne sends none).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import threading
from typing import Any

from django.conf import settings

from cameras.services.supervisor import ASGIApp, Receive, Scope, Send
from monitoring.monitors.runner import MonitorRunner

logger = logging.getLogger(__name__)


def embedded_monitors_wanted() -> bool:
    """Embedded mode, not switched off with CHAMADA_EMBEDDED_MONITORS=0, and not under pytest (tests run their own
    monitors; a runner started by importing school.asgi would watch the test database's cameras)."""
    return bool(settings.EMBEDDED) and bool(settings.EMBEDDED_MONITORS) and "PYTEST_VERSION" not in os.environ


def _handles_lifespan(app: Any) -> bool:
    # Channels' router raises on a scope type it has no route for; any other application is trusted to answer.
    mapping = getattr(app, "application_mapping", None)
    return not isinstance(mapping, dict) or "lifespan" in mapping


class EmbeddedMonitors:
    """ASGI wrapper that runs a MonitorRunner beside the application (see the module docstring)."""

    def __init__(self, app: ASGIApp, runner: MonitorRunner | None = None) -> None:
        self.app = app
        self.runner = runner or MonitorRunner()
        self._lock = threading.Lock()
        self._started = False

    def ensure_started(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self.runner.start()
        atexit.register(self.stop)
        logger.info("monitors: running in the web process")

    def stop(self) -> None:
        with self._lock:
            if not self._started:
                return
            self._started = False
        atexit.unregister(self.stop)
        self.runner.stop()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.ensure_started()
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
        elif _handles_lifespan(self.app):
            await self.app(scope, self._observing(receive), send)
        else:
            await self._lifespan(receive, send)

    def _observing(self, receive: Receive) -> Receive:
        """``receive`` for the inner application's lifespan, stopping the monitors when the shutdown comes."""

        async def observed() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.stop)  # joins threads: not on the event loop
            return message

        return observed

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return


def with_embedded_monitors(app: ASGIApp) -> EmbeddedMonitors:
    wrapped = EmbeddedMonitors(app)
    # Daphne sends no lifespan events but imports the application when it starts serving: start from boot.
    if "daphne.server" in sys.modules:
        wrapped.ensure_started()
    return wrapped


def embed_monitors(app: ASGIApp) -> ASGIApp:
    """The application with the monitors where they are wanted (school/asgi.py), else as it is."""
    return with_embedded_monitors(app) if embedded_monitors_wanted() else app
