"""Every live event of the recognition app goes out through here (Channels groups)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def gallery_group(gallery_id: int) -> str:
    return f"gallery.{gallery_id}"


def send_gallery_progress(gallery_id: int, progress: dict[str, Any]) -> None:
    """Tell the gallery's live pages how far its face processing is (call after commit).

    `progress` holds at least `done` and `total` (photos).
    """
    _send(gallery_group(gallery_id), {"type": "gallery.progress", "gallery": gallery_id, **progress})


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)
