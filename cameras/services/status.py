"""Every write of a camera's live status goes through here: one UPDATE of the status columns, nothing else.

An UPDATE of named columns (never ``save()`` of a whole row loaded earlier) so the processor cannot overwrite a
configuration change an administrator just saved, and the admin cannot overwrite live status with stale values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cameras.models import Camera

UNSET: Any = object()
_ERROR_MAX = Camera._meta.get_field("last_error").max_length or 500


def set_camera_status(
    camera_id: int,
    *,
    state: str | None = None,
    last_frame_at: dt.datetime | None = UNSET,
    measured_fps: float | None = UNSET,
    last_error: str | None = UNSET,
) -> bool:
    """Update the given status fields (others untouched); False when the camera no longer exists."""
    changes: dict[str, Any] = {"updated_at": timezone.now()}  # update() skips auto_now
    if state is not None:
        changes["state"] = state
    if last_frame_at is not UNSET:
        changes["last_frame_at"] = last_frame_at
    if measured_fps is not UNSET:
        changes["measured_fps"] = None if measured_fps is None else round(measured_fps, 2)
    if last_error is not UNSET:
        changes["last_error"] = (last_error or "")[:_ERROR_MAX]
    return Camera.objects.filter(pk=camera_id).update(**changes) > 0
