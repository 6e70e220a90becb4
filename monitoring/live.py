"""Every live event of the monitoring app goes out through here: alerts and host metrics for the monitor page.

Alerts go to the group every monitor socket joins and, for a camera's alert, to that camera's group (both named by
cameras.events); host metrics to their own group, which every monitor socket joins too. Alert events leave after
commit, so a page never shows an alert that was rolled back. The latest host metrics are kept (Redis, or this
process in the embedded mode) for the snapshot of a page opened between two samples.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections import deque
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from cameras.events import MONITOR_EVENT, MONITOR_GROUP, camera_monitor_group
from cameras.services.connections import redis_client, redis_url
from monitoring.models import Alert
from school.layer_loop import run_layer_coroutine

logger = logging.getLogger(__name__)

#: Host metrics, for every monitor socket.
HOST_GROUP = "monitor.host"
_HOST_KEY = "monitor:host"
#: Host metrics older than this are not shown as current (the monitor samples every MONITOR_INTERVAL_S).
HOST_METRICS_TTL_S = 120

_latest_host_metrics: dict[str, Any] | None = None  # embedded mode


def alert_payload(alert: Alert) -> dict[str, Any]:
    """An alert as the monitor page shows it (the ``alert`` of an ``alert_update`` message)."""
    camera = alert.camera if alert.camera_id else None
    classroom = alert.classroom if alert.classroom_id else None
    return {
        "id": alert.pk,
        "alert_type": alert.type,
        "title": str(alert.get_type_display()),
        "severity": alert.severity,
        "status": alert.status,
        "camera_id": alert.camera_id,
        "camera": camera.name if camera is not None else "",
        "classroom": classroom.code if classroom is not None else "",
        "raised_at": alert.first_seen.isoformat(),
        "last_seen_at": alert.last_seen.isoformat(),
        "occurrences": alert.count,
        "acknowledged_by": alert.acknowledged_by.get_username() if alert.acknowledged_by is not None else "",
        "snapshot_url": reverse("monitoring:alert-snapshot", args=[alert.pk]) if alert.snapshot else None,
    }


def alert_message(alert: Alert) -> dict[str, Any]:
    return {"type": "alert_update", "alert": alert_payload(alert)}


def send_alert_update(alert_id: int) -> None:
    """Tell the monitor pages that the alert changed (raised, repeated, acknowledged, resolved), after commit."""
    transaction.on_commit(lambda: _send_alert(alert_id))


def _send_alert(alert_id: int) -> None:
    try:
        alert = Alert.objects.select_related("camera", "classroom", "acknowledged_by").filter(pk=alert_id).first()
        if alert is None:
            return
        groups = [MONITOR_GROUP] + ([camera_monitor_group(alert.camera_id)] if alert.camera_id else [])
        _send(groups, alert_message(alert))
    except Exception:  # a live page is a convenience: the alert itself is recorded and delivered regardless
        logger.exception("alert %s: the monitor pages were not told", alert_id)


def host_metrics_message(metrics: dict[str, Any]) -> dict[str, Any]:
    return {"type": "host_metrics_update", "metrics": metrics}


def send_host_metrics(metrics: dict[str, Any]) -> None:
    """Share one host sample with the monitor pages (and keep it for their snapshots)."""
    global _latest_host_metrics
    url = redis_url()
    try:
        if url:
            redis_client(url).set(_HOST_KEY, json.dumps(metrics), ex=HOST_METRICS_TTL_S)
        else:
            _latest_host_metrics = metrics
        _send([HOST_GROUP], host_metrics_message(metrics))
    except Exception:
        logger.exception("the host metrics were not shared with the monitor pages")


def latest_host_metrics() -> dict[str, Any] | None:
    url = redis_url()
    if not url:
        return _latest_host_metrics
    value = redis_client(url).get(_HOST_KEY)
    return json.loads(value) if isinstance(value, bytes) else None


def _send(groups: list[str], message: dict[str, Any]) -> None:
    """Hand the message to the live sender: the caller (a camera loop publishing an alert, a monitor round) never
    waits for the channel layer."""
    _sender().post(groups, {"type": MONITOR_EVENT, "message": message})


class LiveSender:
    """One thread per process, with its own event loop (the channel layer's connections belong to a loop), sending
    what is posted in order; beyond ``QUEUE_MAX`` waiting, the oldest go (counted in ``dropped``)."""

    QUEUE_MAX = 1000

    def __init__(self) -> None:
        self._queue: deque[tuple[list[str], dict[str, Any]]] = deque()
        self._ready = threading.Condition()
        self.dropped = 0
        self.pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="monitor-live-sender", daemon=True)
        self._thread.start()

    def post(self, groups: list[str], event: dict[str, Any]) -> None:
        with self._ready:
            if len(self._queue) >= self.QUEUE_MAX:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append((groups, event))
            self._ready.notify()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                batch = list(self._queue)
                self._queue.clear()
            try:
                run_layer_coroutine(self._send_all(batch), loop)
            except Exception:
                logger.exception("monitor pages were not told of %d event(s)", len(batch))

    async def _send_all(self, batch: list[tuple[list[str], dict[str, Any]]]) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for groups, event in batch:
            for group in groups:
                await layer.group_send(group, event)


_live_sender: LiveSender | None = None
_live_sender_lock = threading.Lock()


def _sender() -> LiveSender:
    global _live_sender
    with _live_sender_lock:
        if _live_sender is None or _live_sender.pid != os.getpid():  # a forked child has none of its parent's threads
            _live_sender = LiveSender()
        return _live_sender
