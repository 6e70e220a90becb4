"""Celery tasks of the alert bus (Redis mode; embedded, the web process's own sweep does this)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from monitoring.services.delivery import dispatcher


@shared_task(ignore_result=True)
def deliver_due_alerts() -> int:
    """Attempt the deliveries that are due (retries, and those a dead process left claimed); idempotent."""
    return dispatcher.deliver_due(wait_s=float(settings.ALERT_HANDLER_TIMEOUT_S) + 1.0)
