"""Celery tasks of the school app (beat: CELERY_BEAT_SCHEDULE in school/settings.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from school.services import retention

logger = logging.getLogger(__name__)


# Idempotent (what is purged is not found again), so a redelivery after a worker died (acks late) is harmless.
@shared_task(acks_late=True, ignore_result=True)
def purge_expired() -> int:
    """Beat, hourly: remove the personal data past its retention period; returns the rows changed."""
    report = retention.purge_expired()
    logger.info("retention %s", report.summary())
    return report.rows
