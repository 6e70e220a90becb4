"""Recording that a student was seen, by a camera or an external recognizer, and marking presence."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from attendance.events import send_presence_changed
from attendance.models import AttendanceLog, Device, Presence, PresenceSource, PresenceStatus
from attendance.services.roll import is_closed, lock_lesson
from attendance.services.state import presence_payload
from attendance.signals import presence_marked
from school.models import Classroom, Lesson, Student
from school.services.consent import has_biometric_consent
from school.services.lessons import current_lesson

if TYPE_CHECKING:  # cameras imports attendance, never the other way round
    from cameras.models import Camera

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sighting:
    log: AttendanceLog | None  # None: a repeat inside the dedup window, not logged again
    lesson: Lesson | None  # None: outside every lesson window, nobody is marked
    presence: Presence | None  # None: nobody marked (no lesson, or the lesson's roll is closed)
    created: bool  # a new presence row was made by this sighting
    no_consent: bool = False  # refused: the student has no biometric consent; nothing was logged


def arrival_status(lesson: Lesson, seen_at: dt.datetime) -> str:
    late_after = lesson.starts_at + dt.timedelta(minutes=lesson.classroom.late_after_minutes)
    return PresenceStatus.LATE if seen_at > late_after else PresenceStatus.PRESENT


def record_sighting(
    *,
    student: Student,
    classroom: Classroom,
    seen_at: dt.datetime | None = None,
    distance: float | None = None,
    camera: Camera | None = None,
    device: Device | None = None,
    crop_jpeg: bytes | None = None,
    dedup_seconds: int = 0,
    source: str | None = None,
) -> Sighting:
    """Log the sighting and mark the student present (or late) in the lesson in progress.

    Idempotent: one presence per (lesson, student) whatever the number of cameras and workers reporting at once
    (unique constraint, then a locked update); a repeat from the same camera or device inside `dedup_seconds` is
    not logged again. Presence only grows: a later sighting never removes it, and never overrides a teacher's
    manual decision. The live pages hear about it after commit, and so do the listeners of ``presence_marked``
    when the presence is new. ``source`` defaults to camera or API after who reported.

    A closed roll is never changed (``attendance.services.roll``): the sighting shares the lesson's lock with the
    other sightings, and the close takes it alone. A sighting holding it first wins (the close then sees its
    presence); one that comes after the close is logged as evidence, marks nobody (``presence`` None, like a
    sighting outside every lesson), and the refusal is logged with the reason "roll closed".

    A student without biometric consent is never marked, and nothing of the sighting is kept (no log, no crop):
    every sighting comes from a face recognised somewhere, and a match may come from an index built before the
    consent was withdrawn. The student's row is read again and locked, so a withdrawal waits for this sighting.
    """
    seen_at = seen_at or timezone.now()
    lesson = current_lesson(classroom, seen_at)
    with transaction.atomic():
        if not has_biometric_consent(student, fresh=True):
            logger.info("Sighting of student %s refused: no biometric consent", student.pk)
            return Sighting(log=None, lesson=lesson, presence=None, created=False, no_consent=True)
        log = None
        if not _is_repeat(student, camera, device, seen_at, dedup_seconds):
            log = AttendanceLog(
                student=student,
                classroom=classroom,
                lesson=lesson,
                camera=camera,
                device=device,
                distance=distance,
                seen_at=seen_at,
            )
            if crop_jpeg:
                log.crop.save("crop.jpg", ContentFile(crop_jpeg), save=False)
            log.save()
        if lesson is None:
            return Sighting(log=log, lesson=None, presence=None, created=False)
        lock_lesson(lesson, exclusive=False)
        if is_closed(lesson):
            logger.info("Sighting of student %s in lesson %s refused: roll closed", student.pk, lesson.pk)
            return Sighting(log=log, lesson=lesson, presence=None, created=False)
        source = source or (PresenceSource.CAMERA if camera else PresenceSource.API)
        presence, created = Presence.objects.get_or_create(
            lesson=lesson,
            student=student,
            defaults={
                "status": arrival_status(lesson, seen_at),
                "source": source,
                "first_seen": seen_at,
                "last_seen": seen_at,
                "evidence": log,
            },
        )
        changed = created
        if not created:
            presence = Presence.objects.select_for_update().get(pk=presence.pk)
            changed = _merge(presence, seen_at, log)
        if changed:
            payload = presence_payload(presence)
            transaction.on_commit(lambda: send_presence_changed(lesson.pk, payload))
        if created:
            marked = presence
            transaction.on_commit(
                lambda: presence_marked.send_robust(Presence, presence=marked, camera=camera, distance=distance)
            )
    return Sighting(log=log, lesson=lesson, presence=presence, created=created)


def _is_repeat(
    student: Student, camera: Camera | None, device: Device | None, seen_at: dt.datetime, window: int
) -> bool:
    if window <= 0 or (camera is None and device is None):
        return False
    return AttendanceLog.objects.filter(
        student=student,
        camera=camera,
        device=device,
        seen_at__gt=seen_at - dt.timedelta(seconds=window),
        seen_at__lte=seen_at,
    ).exists()


def _merge(presence: Presence, seen_at: dt.datetime, log: AttendanceLog | None) -> bool:
    """Fold a later (or out-of-order earlier) sighting into an existing presence; True if pages must hear."""
    fields = []
    if presence.source == PresenceSource.MANUAL:
        # The teacher decided; sightings only extend the evidence window.
        if presence.last_seen is None or seen_at > presence.last_seen:
            presence.last_seen = seen_at
            fields.append("last_seen")
    else:
        if presence.first_seen is None or seen_at < presence.first_seen:
            presence.first_seen = seen_at
            presence.status = arrival_status(presence.lesson, seen_at)
            fields += ["first_seen", "status"]
            if log is not None:
                presence.evidence = log
                fields.append("evidence")
        if presence.last_seen is None or seen_at > presence.last_seen:
            presence.last_seen = seen_at
            fields.append("last_seen")
        if presence.evidence_id is None and log is not None:
            presence.evidence = log
            fields.append("evidence")
    if fields:
        presence.save(update_fields=[*set(fields), "updated_at"])
    return "status" in fields or "evidence" in fields
