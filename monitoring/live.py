"""Every live event of the monitoring app goes out through here: alerts and host metrics for the monitor page.

Alerts go to the group every monitor socket joins and, for a camera's alert, to that camera's group (both named by
cameras.events); host metrics to their own group, which every monitor socket joins too. Alert events leave after
commit, so a page never shows an alert that was rolled back. The latest host metrics are kept (Redis, or this
process in the embedded mode) for the snapshot of a page opened between two samples.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from cameras.events import MONITOR_EVENT, MONITOR_GROUP, camera_monitor_group
from cameras.services.connections import redis_client, redis_url
from monitoring.models import Alert

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
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": MONITOR_EVENT, "message": message}

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, event)

    async_to_sync(send_all)()
