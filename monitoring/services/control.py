"""Alert processing as staff see and steer it: the status, and stop / start / restart.

The switches are AlertProcessing's one row (pk=1); every process reads it through ``delivery.switches`` (cached
for about a second), so a stop here reaches every dispatcher, in every process, within ~1 s. Only alert
*delivery* stops: alerts are still recorded (the outbox keeps them until start), and monitors and attendance go
on regardless.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cameras.models import Camera
from cameras.services.lease import lease_holder
from monitoring.handlers import HANDLERS
from monitoring.models import UNRESOLVED, Alert, AlertDelivery, AlertProcessing, DeliveryStatus, MonitorHeartbeat
from monitoring.services.delivery import dispatcher, switches

logger = logging.getLogger(__name__)

#: A dead delivery this recent makes its handler "failing".
RECENT_DEAD = dt.timedelta(hours=1)
#: The alerts table is the database's delivery: it has no handler of its own and never fails apart from the
#: database itself (see /health).
DATABASE_HANDLER = "database"


def monitor_is_running(beat_at: dt.datetime, now: dt.datetime) -> bool:
    """A monitor samples every MONITOR_INTERVAL_S; three missed samples mean it is gone."""
    return now - beat_at <= dt.timedelta(seconds=3 * float(settings.MONITOR_INTERVAL_S))


# --- the status --------------------------------------------------------------------------------------------------
def alert_processing_status() -> dict[str, Any]:
    """Alert processing (running or stopped, by whom), the monitors' heartbeats and each handler's deliveries."""
    now = timezone.now()
    alerts = Alert.objects.count()
    return {"alert_processing": _processing(alerts), "monitors": _monitors(now), "handlers": _handlers(alerts, now)}


def _processing(alerts: int) -> dict[str, Any]:
    row = AlertProcessing.objects.select_related("changed_by").filter(pk=1).first()
    return {
        "state": "stopped" if row is not None and row.paused else "running",
        "changed_at": None if row is None else row.changed_at,
        "changed_by": None if row is None or row.changed_by is None else row.changed_by.get_username(),
        "alerts_processed": alerts,
        "open_alerts": Alert.objects.filter(status__in=UNRESOLVED).count(),
        "cameras_processing": _cameras_processing(),
    }


def _cameras_processing() -> int | None:
    """Enabled cameras whose processor holds a live lease; None when the lease store (Redis) cannot be read."""
    try:
        return sum(
            1
            for camera_id in Camera.objects.filter(enabled=True).values_list("pk", flat=True)
            if lease_holder(camera_id) is not None
        )
    except redis.RedisError:
        logger.warning("camera leases could not be read for the status", exc_info=True)
        return None


def _monitors(now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "name": beat.name,
            "host": beat.host,
            "pid": beat.pid,
            "running": monitor_is_running(beat.beat_at, now),
            "last_sample_at": beat.beat_at,
            "sample": beat.sample,
        }
        for beat in MonitorHeartbeat.objects.order_by("name")
    ]


def _handlers(alerts: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Per handler: sent (delivered), failed (waiting to be retried), pending (not tried yet, or being sent) and
    dead (gave up). The four never overlap, so they add up to the handler's deliveries."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"sent": 0, "failed": 0, "pending": 0, "dead": 0})
    recent_dead: dict[str, int] = defaultdict(int)
    # One query, grouped by (handler, status). A dead row's next_attempt_at is when it died plus at most
    # ALERT_RETRY_MAX_S (the model keeps no death time): near enough for "in the last hour".
    rows = AlertDelivery.objects.values("handler", "status").annotate(
        total=Count("pk"),
        retrying=Count("pk", filter=Q(attempts__gt=0)),
        recent=Count("pk", filter=Q(next_attempt_at__gte=now - RECENT_DEAD)),
    )
    for row in rows:
        handler, status, total = row["handler"], row["status"], row["total"]
        if status == DeliveryStatus.DELIVERED:
            counts[handler]["sent"] += total
        elif status == DeliveryStatus.DEAD:
            counts[handler]["dead"] += total
            recent_dead[handler] += row["recent"]
        elif status == DeliveryStatus.PENDING:
            counts[handler]["failed"] += row["retrying"]
            counts[handler]["pending"] += total - row["retrying"]
        else:  # sending: an attempt in flight
            counts[handler]["pending"] += total
    result = [
        {
            "name": DATABASE_HANDLER,
            "state": "active",
            "sent": alerts,
            "failed": 0,
            "pending": 0,
            "dead": 0,
        }
    ]
    for name, spec in HANDLERS.items():
        handler_counts = counts[name]
        if not spec.enabled:
            state = "disabled"
        elif handler_counts["failed"] or recent_dead[name]:
            state = "failing"
        else:
            state = "active"
        result.append({"name": name, "state": state, **handler_counts})
    return result


# --- the actions -------------------------------------------------------------------------------------------------
def stop_alert_processing(user: User) -> dict[str, Any]:
    """Stop delivering alerts in every process (within ~1 s); they are still recorded, and sent after a start."""
    _switch(user, paused=True)
    logger.info("alert processing stopped by %s", user.get_username())
    return alert_processing_status()


def start_alert_processing(user: User) -> dict[str, Any]:
    """Deliver alerts again, beginning with those recorded while stopped."""
    _switch(user, paused=False)
    logger.info("alert processing started by %s", user.get_username())
    return alert_processing_status()


def restart_alert_processing(user: User) -> dict[str, Any]:
    """Every process closes its handlers and builds them again (a new configuration version); also starts."""
    row = _switch(user, paused=False, new_configuration=True)
    logger.info("alert processing restarted by %s (configuration version %s)", user.get_username(), row.config_version)
    return alert_processing_status()


def _switch(user: User, *, paused: bool, new_configuration: bool = False) -> AlertProcessing:
    """The one write of the switches row: paused or not, and a new configuration version on a restart."""
    with transaction.atomic():
        # Locked, so two staff pressing restart at once make two versions, not one lost update.
        row, _created = AlertProcessing.objects.select_for_update().get_or_create(pk=1)
        row.paused = paused
        row.changed_by = user
        if new_configuration:
            row.config_version += 1
        row.save(update_fields=["paused", "config_version", "changed_by", "changed_at"])
        # Now, so this thread's next read (in this transaction) sees the new row; and again on commit, so another
        # thread that read the old row meanwhile does not keep it cached for a second.
        switches.forget()
        transaction.on_commit(switches.forget)
        if not paused:
            transaction.on_commit(dispatcher.wake)  # this process's sweep looks at once instead of within a second
    return row
