"""A teacher's manual changes to presence, each one kept."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from attendance.events import send_presence_changed
from attendance.models import Presence, PresenceChange, PresenceSource, PresenceStatus
from attendance.services.state import presence_payload
from school.models import Lesson, Student


def set_presence(lesson: Lesson, student: Student, status: PresenceStatus, *, by: User) -> Presence:
    """Mark a student present, late or absent by hand; records who changed it from what to what."""
    with transaction.atomic():
        presence, created = Presence.objects.select_for_update().get_or_create(
            lesson=lesson,
            student=student,
            defaults={"status": status, "source": PresenceSource.MANUAL, "changed_by": by},
        )
        previous = "" if created else presence.status
        if not created and presence.status == status and presence.source == PresenceSource.MANUAL:
            return presence
        if status != PresenceStatus.ABSENT and presence.first_seen is None:
            presence.first_seen = timezone.now()
        presence.status = status
        presence.source = PresenceSource.MANUAL
        presence.changed_by = by
        presence.save()
        PresenceChange.objects.create(presence=presence, changed_by=by, from_status=previous, to_status=status)
        payload = presence_payload(presence)
        transaction.on_commit(lambda: send_presence_changed(lesson.pk, payload))
    return presence
