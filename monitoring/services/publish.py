"""``publish(event)``: the one way an alert enters Chamada. It records, groups, resolves and enqueues.

The database is the outbox. Publishing writes the Alert row and one AlertDelivery per enabled handler in one
transaction; after commit the dispatcher delivers them (services/delivery.py), and if this process dies first, any
process's sweep picks them up. Nothing here touches a network, so a camera loop, a task or a request can publish.

Grouping: while an alert of the same type and source is unresolved, a repeat only raises its count and last-seen
(no new deliveries). An event whose type ``resolves`` another closes that alert, and its resolution is delivered.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from monitoring.alert_types import AlertType, alert_type
from monitoring.events import AlertEvent
from monitoring.handlers import enabled_handler_names
from monitoring.live import send_alert_update
from monitoring.models import UNRESOLVED, Alert, AlertDelivery, AlertStatus, DeliveryEvent
from monitoring.services.delivery import dispatch_after_commit

logger = logging.getLogger(__name__)


def publish(event: AlertEvent) -> Alert | None:
    """Record ``event``; returns its alert (new, grown, or the one it resolved), None when nothing was recorded
    (its type is switched off, or there was nothing open to resolve)."""
    kind = alert_type(event.type)
    if not kind.enabled:
        return None
    at = event.time or timezone.now()
    if kind.resolves is not None:
        return _resolve(alert_type(kind.resolves), event, at)
    for _attempt in range(3):
        try:
            return _raise(kind, event, at)
        except IntegrityError:
            # Another process opened the same alert between our look and our insert: it is a repeat now.
            continue
    raise RuntimeError(f"could not record alert {event.type} for {event.key}")


def acknowledge(alert: Alert, user: object) -> bool:
    """Mark an open alert as seen by ``user``; False when it was not open. The monitor pages hear of it."""
    with transaction.atomic():
        done = (
            Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
                status=AlertStatus.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=timezone.now()
            )
            > 0
        )
        if done:
            send_alert_update(alert.pk)
    return done


def _raise(kind: AlertType, event: AlertEvent, at: dt.datetime) -> Alert:
    with transaction.atomic():
        current = _unresolved(kind.name, event.key)
        if current is not None:
            Alert.objects.filter(pk=current.pk).update(count=F("count") + 1, last_seen=max(at, current.last_seen))
            current.refresh_from_db(fields=["count", "last_seen"])
            send_alert_update(current.pk)
            return current
        # A lost race (another process inserted it meanwhile) rolls this block back, and publish() retries.
        alert = Alert(
            uuid=event.id,
            type=kind.name,
            severity=event.severity or kind.severity,
            camera_id=event.camera_id,
            classroom_id=event.classroom_id,
            source_key=event.key,
            first_seen=at,
            last_seen=at,
            payload=event.payload,
            detections=[detection.as_dict() for detection in event.detections],
        )
        if event.snapshot_jpeg:
            alert.snapshot.save("snapshot.jpg", ContentFile(event.snapshot_jpeg), save=False)
        alert.save()
        _enqueue(alert, DeliveryEvent.RAISED, at)
        send_alert_update(alert.pk)
        return alert


def _resolve(kind: AlertType, event: AlertEvent, at: dt.datetime) -> Alert | None:
    with transaction.atomic():
        current = _unresolved(kind.name, event.key)
        if current is None:
            return None
        current.status = AlertStatus.RESOLVED
        current.resolved_at = at
        current.last_seen = max(at, current.last_seen)
        current.payload = {**current.payload, "resolved_by": event.type, **event.payload}
        current.save(update_fields=["status", "resolved_at", "last_seen", "payload"])
        _enqueue(current, DeliveryEvent.RESOLVED, at)
        send_alert_update(current.pk)
        return current


def _unresolved(type_name: str, source_key: str) -> Alert | None:
    return (
        Alert.objects.select_for_update()
        .filter(type=type_name, source_key=source_key, status__in=UNRESOLVED)
        .order_by("pk")
        .first()
    )


def _enqueue(alert: Alert, event: str, at: dt.datetime) -> None:
    deliveries = AlertDelivery.objects.bulk_create(
        [AlertDelivery(alert=alert, handler=name, event=event, next_attempt_at=at) for name in enabled_handler_names()]
    )
    if deliveries and any(delivery.pk is None for delivery in deliveries):  # backends without ids from bulk_create
        deliveries = list(AlertDelivery.objects.filter(alert=alert, event=event))
    if deliveries:
        dispatch_after_commit([(delivery.pk, delivery.handler) for delivery in deliveries])
