"""What the monitor page shows: who may see it, and the snapshot of everything live, as contract messages."""

from __future__ import annotations

from typing import Any

from cameras.models import Camera
from cameras.services.access import can_monitor_cameras
from cameras.services.live_state import live_states
from cameras.services.monitor_feed import idle_status_message
from monitoring.live import alert_message, host_metrics_message, latest_host_metrics
from monitoring.models import UNRESOLVED, Alert


def can_monitor(user: Any) -> bool:
    """The monitor shows every camera of the school: for those who may watch them all."""
    return can_monitor_cameras(user)


def monitor_snapshot(camera_id: int | None = None) -> list[dict[str, Any]]:
    """Every camera (or the one) as its latest messages, then the unresolved alerts and the host metrics.

    A running processor's own last messages when it stored them (live_state), else a status built from the row.
    """
    cameras = list(Camera.objects.select_related("classroom").order_by("classroom__code", "name", "pk"))
    if camera_id is not None:
        cameras = [camera for camera in cameras if camera.pk == camera_id]
    states = live_states([camera.pk for camera in cameras])
    messages: list[dict[str, Any]] = []
    for camera in cameras:
        state = states.get(camera.pk)
        if state is None or state.get("status") is None:
            messages.append(idle_status_message(camera))
            continue
        messages.append(state["status"])
        if state.get("frame") is not None:
            messages.append(state["frame"])
        messages.extend((state.get("analytics") or {}).values())
    alerts = Alert.objects.select_related("camera", "classroom", "acknowledged_by").filter(status__in=UNRESOLVED)
    if camera_id is not None:
        alerts = alerts.filter(camera_id=camera_id)
    messages.extend(alert_message(alert) for alert in alerts.order_by("-last_seen")[:200])
    metrics = latest_host_metrics()
    if metrics is not None:
        messages.append(host_metrics_message(metrics))
    return messages
