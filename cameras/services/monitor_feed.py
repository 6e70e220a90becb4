"""A camera processor's link to the monitor pages: the contract messages, and a sender that never holds it up.

The camera loop only *posts* messages into a small mailbox (a dict write under a lock held for microseconds); a
thread of the feed sends them over the channel layer. So a slow network, a slow Redis or a stuck browser can never
slow a camera down: what the sender could not send in time is replaced by newer news and counted as dropped.

The mailbox keeps the latest message of each kind, none queue up:

* status: the latest (a status replaced before it was sent counts as dropped);
* frame: the latest, sent at most ``max_rate`` times a second (the throttle: frames in between are superseded,
  which is the design, not a loss);
* analytics: the latest per node (the processor posts a node's result only when it changed);
* errors: each one, up to ``ERRORS_MAX`` waiting (older ones beyond that are dropped and counted).

After each round the feed stores what it last sent (cameras.services.live_state), for the snapshot of a page that
opens later. The message builders live here too, so the snapshot of a camera without a processor has the same
shape as a live one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cameras.events import send_pipeline_messages
from cameras.models import Camera
from cameras.services.live_state import clear_live_state, store_live_state
from school.layer_loop import run_layer_coroutine

logger = logging.getLogger(__name__)

Sender = Callable[[int, list[dict[str, Any]]], Awaitable[None]]
StateStore = Callable[[int, dict[str, Any]], None]

#: Errors waiting to be sent, at most (a burst beyond that is dropped, counted).
ERRORS_MAX = 20
#: The sender looks at its mailbox at least this often (and at once when something is posted).
IDLE_WAKE_S = 1.0
#: The live state (for snapshots) is stored at most this often: it is a few kilobytes of JSON and a Redis SET,
#: which per message cost as much as sending it.
STORE_EVERY_S = 1.0
#: After a wake-up the sender waits this long for the rest of a frame's posts (its analytics and the frame itself),
#: so they go out in one round.
LINGER_S = 0.005
#: A failing channel layer is reported in the log at most this often.
LOG_EVERY_S = 30.0

FACE_NODE = {"node_id": "face_recognition", "node_type": "face_recognition"}


# --- The messages of the contract (README, "The monitor page") ---------------------------------------------------
def camera_ref(camera: Camera) -> dict[str, Any]:
    return {"id": camera.pk, "name": camera.name, "classroom": camera.classroom.code}


def status_message(
    camera: Camera,
    *,
    status: str,
    stats: dict[str, Any],
    nodes: Sequence[dict[str, Any]],
    error_message: str = "",
    last_frame_time: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "type": "pipeline_status_update",
        "pipeline_id": camera.pk,
        "status": status,
        "detailed_status": {"stats": stats, "nodes": list(nodes)},
        "error_message": error_message,
        "last_frame_time": None if last_frame_time is None else last_frame_time.isoformat(),
        "camera": camera_ref(camera),
    }


def idle_status_message(camera: Camera) -> dict[str, Any]:
    """The status of a camera no processor runs now (never started, stopped, or died): from its row."""
    status = camera.state
    if status not in (Camera.State.DISABLED, Camera.State.ERROR):
        status = Camera.State.DISABLED if not camera.enabled else Camera.State.IDLE
    stats = {
        "frames_read": 0,
        "frames_analysed": 0,
        "frames_skipped": 0,
        "encodings": 0,
        "errors": 0,
        "uptime_s": 0.0,
        "fps": None,
        "messages_sent": 0,
        "messages_dropped": 0,
    }
    return status_message(
        camera,
        status=status,
        stats=stats,
        nodes=[{**FACE_NODE, "state": "stopped"}],
        error_message=camera.last_error,
        last_frame_time=camera.last_frame_at,
    )


def frame_message(camera_id: int, frame_data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "pipeline_frame_update", "pipeline_id": camera_id, "frame_data": frame_data}


def analytics_message(camera_id: int, analytics: dict[str, Any]) -> dict[str, Any]:
    return {"type": "pipeline_analytics_update", "pipeline_id": camera_id, "analytics": analytics}


def error_message(camera_id: int, text: str, severity: str) -> dict[str, Any]:
    return {"type": "pipeline_error_update", "pipeline_id": camera_id, "error_message": text, "severity": severity}


# --- The feed -----------------------------------------------------------------------------------------------------
class MonitorFeed:
    """Posts are non-blocking and thread-safe; ``start()`` runs the sender, ``stop()`` flushes and ends it."""

    def __init__(
        self,
        camera_id: int,
        *,
        max_rate: float,
        send: Sender = send_pipeline_messages,
        store: StateStore = store_live_state,
    ) -> None:
        if not max_rate > 0:
            raise ValueError("max_rate must be positive")
        self.camera_id = camera_id
        self.frame_interval_s = 1.0 / max_rate
        self._send = send
        self._store = store
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The mailbox.
        self._status: dict[str, Any] | None = None
        self._frame: dict[str, Any] | None = None
        self._analytics: dict[str, dict[str, Any]] = {}
        self._errors: deque[dict[str, Any]] = deque()
        # What was last sent, for snapshots.
        self._sent_state: dict[str, Any] = {"status": None, "frame": None, "analytics": {}}
        self._frame_sent_at = -float("inf")
        self._stored_at = -float("inf")
        self._failure_logged_at = -float("inf")
        self.sent = 0
        self.dropped = 0
        self.superseded_frames = 0

    # --- posting (the camera loop) ----------------------------------------------------------------------------
    def post_status(self, message: dict[str, Any]) -> None:
        with self._lock:
            if self._status is not None:
                self.dropped += 1
            self._status = message
        self._wake.set()

    def post_frame(self, message: dict[str, Any]) -> None:
        with self._lock:
            if self._frame is not None:
                self.superseded_frames += 1
            self._frame = message
        self._wake.set()

    def frame_due(self) -> bool:
        """Whether a frame posted now would be sent soon (no other one waits and the throttle allows one): the
        processor may skip building frames nobody would see."""
        with self._lock:
            return self._frame is None and time.monotonic() - self._frame_sent_at >= self.frame_interval_s * 0.5

    def post_analytics(self, message: dict[str, Any]) -> None:
        node_id = message["analytics"]["node_id"]
        with self._lock:
            if node_id in self._analytics:
                self.dropped += 1
            self._analytics[node_id] = message
        self._wake.set()

    def post_error(self, message: dict[str, Any]) -> None:
        with self._lock:
            if len(self._errors) >= ERRORS_MAX:
                self._errors.popleft()
                self.dropped += 1
            self._errors.append(message)
        self._wake.set()

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> MonitorFeed:
        self._thread = threading.Thread(target=self._run, name=f"monitor-feed-{self.camera_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Send what is waiting (the final status, say), then end the sender; forget the live state."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            clear_live_state(self.camera_id)
        except Exception:
            logger.exception("camera %s: the monitor's live state was not cleared (it expires)", self.camera_id)

    # --- the sender -------------------------------------------------------------------------------------------
    def _run(self) -> None:
        # The thread's own event loop, for its whole life: the channel layer's connections to Redis belong to a
        # loop, and one loop per send would open a connection per message.
        self._loop = asyncio.new_event_loop()
        try:
            while True:
                stopping = self._stopping.is_set()
                wait = self._round(final=stopping)
                if stopping:
                    return
                if self._wake.wait(wait):
                    self._stopping.wait(LINGER_S)
                self._wake.clear()
        finally:
            self._loop.close()

    def _round(self, final: bool = False) -> float:
        """Send what is due; returns how long to sleep before the next round. (On the last round, at stop, a frame
        the throttle holds back is left: it is stale by then.)"""
        now = time.monotonic()
        with self._lock:
            batch: list[dict[str, Any]] = []
            if self._status is not None:
                batch.append(self._status)
                self._status = None
            batch.extend(self._errors)
            self._errors.clear()
            batch.extend(self._analytics.values())
            self._analytics.clear()
            frame_wait = IDLE_WAKE_S
            if self._frame is not None:
                due_in = self._frame_sent_at + self.frame_interval_s - now
                if due_in <= 0:
                    batch.append(self._frame)
                    self._frame = None
                    self._frame_sent_at = now
                else:
                    frame_wait = due_in
        if batch:
            self._deliver(batch, store=final)
        return max(0.0, frame_wait)

    def _deliver(self, batch: list[dict[str, Any]], store: bool = False) -> None:
        delivered = run_layer_coroutine(self._send_each(batch), self._loop)
        for message, ok in zip(batch, delivered, strict=True):
            if not ok:
                with self._lock:
                    self.dropped += 1
                continue
            self.sent += 1
            kind = message["type"]
            if kind == "pipeline_status_update":
                self._sent_state["status"] = message
            elif kind == "pipeline_frame_update":
                self._sent_state["frame"] = message
            elif kind == "pipeline_analytics_update":
                self._sent_state["analytics"][message["analytics"]["node_id"]] = message
        now = time.monotonic()
        if self._sent_state["status"] is not None and (store or now - self._stored_at >= STORE_EVERY_S):
            self._stored_at = now
            try:
                self._store(self.camera_id, self._sent_state)
            except Exception:
                self._log_failure()

    async def _send_each(self, batch: list[dict[str, Any]]) -> list[bool]:
        delivered = []
        for message in batch:
            try:
                await self._send(self.camera_id, [message])
                delivered.append(True)
            except Exception:
                self._log_failure()
                delivered.append(False)
        return delivered

    def _log_failure(self) -> None:
        now = time.monotonic()
        if now - self._failure_logged_at >= LOG_EVERY_S:
            self._failure_logged_at = now
            logger.exception("camera %s: monitor messages could not be sent (dropped, counted)", self.camera_id)
