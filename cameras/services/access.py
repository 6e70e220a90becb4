"""Who may watch every camera of the school at once (the monitor page and its live pictures)."""

from __future__ import annotations

from typing import Any


def can_monitor_cameras(user: Any) -> bool:
    """Staff who may see the cameras (secretaries): teachers follow their own classrooms' cameras only."""
    return bool(user is not None and user.is_authenticated and user.is_staff and user.has_perm("cameras.view_camera"))
