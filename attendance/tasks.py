"""Celery tasks of attendance (beat: CELERY_BEAT_SCHEDULE in school/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from attendance.models import NoticeEmail
from attendance.services import notice_emails, quality, roll


@shared_task(ignore_result=True)
def close_due_rolls() -> int:
    """Close the roll of every lesson that is due; returns how many were closed."""
    return len(roll.close_due_rolls())


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=True)
def record_not_here(change_id: int) -> bool:
    """Keep the face behind a teacher's "was not here" as a negative example (idempotent: once per change, none
    for a change taken back). Here, not in the web request, because it loads the face models."""
    return quality.record_not_here(change_id)


@shared_task(ignore_result=True)
def send_notice_emails(notice_id: int) -> int:
    """Send an absence notice's e-mails that are due (queued after its commit); returns how many were sent."""
    return _sent(notice_emails.send_due(notice_id=notice_id))


@shared_task(ignore_result=True)
def send_due_notice_emails() -> int:
    """Send every absence e-mail that is due: retries, and those a dead worker left claimed (beat, every minute);
    returns how many were sent. Idempotent: a sent or given-up e-mail is never sent again."""
    return _sent(notice_emails.send_due())


def _sent(rows: list[NoticeEmail]) -> int:
    return sum(row.status == NoticeEmail.Status.SENT for row in rows)
