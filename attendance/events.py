"""Every live event of the attendance app goes out through here (Channels groups)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def lesson_group(lesson_id: int) -> str:
    return f"lesson.{lesson_id}"


def send_presence_changed(lesson_id: int, presence: dict[str, Any]) -> None:
    """Tell the lesson's live pages that a student's presence changed (call after commit)."""
    _send(lesson_group(lesson_id), {"type": "attendance.present", "presence": presence})


def send_review_offer(lesson_id: int, offer: dict[str, Any]) -> None:
    """Offer the lesson's teacher to mark a student a review named in a camera's sighting (call after commit)."""
    _send(lesson_group(lesson_id), {"type": "attendance.offer", "offer": offer})


def send_offer_dismissed(lesson_id: int, student_id: int) -> None:
    """Tell the lesson's live pages that the offer to mark the student was dismissed (call after commit)."""
    _send(lesson_group(lesson_id), {"type": "attendance.offer_dismissed", "student_id": student_id})


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)
