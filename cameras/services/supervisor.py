"""Embedded mode (no Redis): the camera processors run inside the web process, under a supervisor.

Every few seconds the supervisor starts a processor for each enabled camera that has none (and no live lease)
and stops those whose camera was disabled or deleted (each processor also notices by itself within seconds).

The supervisor lives on the ASGI server's event loop, and processors run in threads started *from that loop*
(``sync_to_async``). That is what makes live events work: with the in-memory channel layer, an event must be put
on the queue of the loop where the WebSocket consumers wait, and ``async_to_sync`` (used by attendance.events)
only hops back onto that loop from threads that the loop started. From a plain thread it would run the send on a
private loop, and the consumers would not wake up.

Started from school/asgi.py (never from AppConfig.ready: management commands must not start cameras): on the
ASGI ``lifespan`` startup where the server sends one, on Daphne's loop as soon as it runs, else at the first
connection.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from cameras.models import Camera
from cameras.services.lease import lease_holder
from cameras.services.processor import run_processor

logger = logging.getLogger(__name__)

#: How often the supervisor compares the running processors with the enabled cameras.
SUPERVISE_S = 3.0
#: How long stopping waits for processors to finish (one may be blocked on a camera read for a few seconds).
STOP_TIMEOUT_S = 15.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def embedded_cameras_wanted() -> bool:
    """Embedded mode, not switched off with CHAMADA_EMBEDDED_CAMERAS=0, and not under pytest (tests start their own
    processors; a supervisor started by importing school.asgi would run the test database's cameras)."""
    return bool(settings.EMBEDDED) and bool(settings.EMBEDDED_CAMERAS) and "PYTEST_VERSION" not in os.environ


@dataclass
class _Run:
    stop: threading.Event
    finished: threading.Event
    task: asyncio.Future[str]


class DaemonThreads(Executor):
    """One daemon thread per call: a processor never ends by itself, and the interpreter would wait forever on
    ThreadPoolExecutor's (non-daemon) threads at exit. Processors are stopped cleanly at exit instead (atexit)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:
                future.set_exception(error)

        threading.Thread(target=run, name=self.name, daemon=True).start()
        return future


class CameraSupervisor:
    def __init__(
        self,
        *,
        interval_s: float = SUPERVISE_S,
        processor: Callable[..., str] = run_processor,
    ) -> None:
        self.interval_s = interval_s
        self.processor = processor
        self.runs: dict[int, _Run] = {}
        self._task: asyncio.Task[None] | None = None
        atexit.register(self.stop_at_exit)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start supervising on the running event loop (call it from that loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._supervise(), name="camera-supervisor")

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop supervising and every processor; waits for them (up to timeout_s)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for run in self.runs.values():
            run.stop.set()
        tasks = [run.task for run in self.runs.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)
        self.runs.clear()
        atexit.unregister(self.stop_at_exit)

    def stop_at_exit(self, timeout_s: float = 5.0) -> None:
        """The server exits (Daphne sends no lifespan shutdown): let processors record their state and release
        their leases, rather than being cut off inside OpenCV when the interpreter finalises."""
        for run in self.runs.values():
            run.stop.set()
        deadline = time.monotonic() + timeout_s
        for run in self.runs.values():
            run.finished.wait(max(0.0, deadline - time.monotonic()))

    async def _supervise(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("camera supervisor: check failed; trying again shortly")
            await asyncio.sleep(self.interval_s)

    async def tick(self) -> None:
        """One comparison of processors with cameras: start the missing, stop the unwanted."""
        enabled = await sync_to_async(_enabled_camera_ids, thread_sensitive=False)()
        for camera_id, run in list(self.runs.items()):
            if run.task.done():
                del self.runs[camera_id]
                if not run.task.cancelled() and run.task.exception() is not None:
                    logger.error("camera %s: processor crashed", camera_id, exc_info=run.task.exception())
            elif camera_id not in enabled:
                run.stop.set()
        for camera_id in enabled - self.runs.keys():
            if lease_holder(camera_id) is None:
                self._start(camera_id)

    def _start(self, camera_id: int) -> None:
        stop, finished = threading.Event(), threading.Event()
        # Processors are long-running: threads of their own, never the loop's default executor that Django and
        # Channels use for short calls.
        executor = DaemonThreads(f"camera-{camera_id}")
        # Typed as ThreadPoolExecutor, but asgiref only hands it to loop.run_in_executor: any Executor works.
        call = sync_to_async(self._process, thread_sensitive=False, executor=executor)  # type: ignore[call-overload]
        task = asyncio.ensure_future(call(camera_id, stop, finished))
        self.runs[camera_id] = _Run(stop, finished, task)
        logger.info("camera %s: processor started", camera_id)

    def _process(self, camera_id: int, stop: threading.Event, finished: threading.Event) -> str:
        try:
            return self.processor(camera_id, stop=stop)
        finally:
            connections.close_all()  # the thread ends here: its database connections must not linger
            finished.set()


def _enabled_camera_ids() -> set[int]:
    try:
        return set(Camera.objects.filter(enabled=True).values_list("pk", flat=True))
    finally:
        connections.close_all()


class EmbeddedCameras:
    """ASGI wrapper that runs a CameraSupervisor on the server's event loop (see the module docstring)."""

    def __init__(self, app: ASGIApp, supervisor: CameraSupervisor | None = None) -> None:
        self.app = app
        self.supervisor = supervisor or CameraSupervisor()

    def ensure_started(self) -> None:
        if not self.supervisor.running:
            self.supervisor.start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.ensure_started()
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # Django answers no lifespan events; servers that send them (uvicorn) get the cameras started at boot.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.supervisor.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def with_embedded_cameras(app: ASGIApp) -> EmbeddedCameras:
    wrapped = EmbeddedCameras(app)
    # Daphne sends no lifespan events, but it makes its event loop before importing the application: queue the
    # start there, so cameras run from boot rather than from the first visitor.
    daphne = sys.modules.get("daphne.server")
    loop = getattr(daphne, "twisted_loop", None)
    if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_closed():
        loop.call_soon_threadsafe(wrapped.ensure_started)
    return wrapped


def embed_cameras(app: ASGIApp) -> ASGIApp:
    """The application with the camera supervisor where it is wanted (school/asgi.py), else as it is."""
    return with_embedded_cameras(app) if embedded_cameras_wanted() else app
