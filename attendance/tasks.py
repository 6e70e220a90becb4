"""Celery tasks of attendance (beat: CELERY_BEAT_SCHEDULE in school/settings.py)."""

from __future__ import annotations

from celery import shared_task

from attendance.services import roll


@shared_task(ignore_result=True)
def close_due_rolls() -> int:
    """Close the roll of every lesson that is due; returns how many were closed."""
    return len(roll.close_due_rolls())
