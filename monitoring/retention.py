"""Alert snapshots past their retention period, purged with the school's other personal data (purge_expired)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import ngettext

from monitoring.models import Alert
from school.services.retention import CategoryResult, RetentionRule, clear_in_batches, register

UNKNOWN_FACE_SNAPSHOTS = "unknown_face_snapshots"
ALERT_SNAPSHOTS = "alert_snapshots"

#: Alerts whose snapshot shows a face nobody could name (a zone intrusion names its student when it knows one).
UNKNOWN_FACE_ALERTS = Q(type="unknown_face") | (
    Q(type="zone_intrusion") & (Q(payload__student_id=None) | Q(payload__student_id__isnull=True))
)


def purge_unknown_face_snapshots(result: CategoryResult, cutoff: dt.datetime, dry_run: bool) -> None:
    expired = Alert.objects.filter(UNKNOWN_FACE_ALERTS, first_seen__lt=cutoff).exclude(snapshot="")
    clear_in_batches(result, expired, file_field="snapshot", dry_run=dry_run)


def purge_alert_snapshots(result: CategoryResult, cutoff: dt.datetime, dry_run: bool) -> None:
    expired = Alert.objects.filter(first_seen__lt=cutoff).exclude(snapshot="")
    clear_in_batches(result, expired, file_field="snapshot", dry_run=dry_run)


def connect() -> None:
    # Unknown faces first: with the periods alike, their snapshots count as unknown faces, not as alerts.
    register(
        RetentionRule(
            UNKNOWN_FACE_SNAPSHOTS,
            "UNKNOWN_FACE_RETENTION_DAYS",
            lambda n: ngettext(
                "snapshots of unknown faces seen by cameras, older than %(days)d day",
                "snapshots of unknown faces seen by cameras, older than %(days)d days",
                n,
            ),
            purge_unknown_face_snapshots,
        )
    )
    register(
        RetentionRule(
            ALERT_SNAPSHOTS,
            "ALERT_SNAPSHOT_RETENTION_DAYS",
            lambda n: ngettext(
                "alert snapshots older than %(days)d day", "alert snapshots older than %(days)d days", n
            ),
            purge_alert_snapshots,
        )
    )
