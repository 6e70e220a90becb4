"""Recognition quality from the teachers' corrections: a *false present* is a presence a camera or the kiosk
marked that a teacher then changed to absent ("was not here"). Each one also teaches the matcher: the face that
marked the student is kept as a negative example of them.

A "was not here" stands while its presence is absent. Set present or late again by hand (the teacher, or a
secretary, saying the child was there after all) it is taken back: it neither counts nor keeps its negative, until
the presence is changed to absent again. Sightings never change a presence set by hand, so a presence's status
moves only through these manual changes.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from attendance.models import AttendanceLog, Presence, PresenceChange, PresenceStatus
from school.models import Classroom, Student

logger = logging.getLogger(__name__)

#: The sightings that are our own face recognition (their evidence log holds the face crop).
RECOGNISED_SOURCES = ("camera", "kiosk")
_MARKED = (PresenceStatus.PRESENT, PresenceStatus.LATE)

#: A "was not here" change: to absent, of a present or late presence that a camera or the kiosk had set.
_NOT_HERE = Q(to_status=PresenceStatus.ABSENT, from_status__in=_MARKED, from_source__in=RECOGNISED_SOURCES)


def false_present_changes(classroom: Classroom, since: dt.datetime | None = None) -> Q:
    """The PresenceChange filter of the classroom's false presents (since ``since``): "was not here" changes (to
    absent, of a present or late presence that a camera or the kiosk had set) whose presence is still absent."""
    query = _NOT_HERE & Q(presence__lesson__classroom=classroom, presence__status=PresenceStatus.ABSENT)
    if since is not None:
        query &= Q(changed_at__gte=since)
    return query


def false_presents(classroom: Classroom, since: dt.datetime | None = None) -> dict[int, int]:
    """Student id -> how many of their camera/kiosk presences in the classroom a teacher said were wrong."""
    rows = (
        PresenceChange.objects.filter(false_present_changes(classroom, since))
        .values("presence__student_id")
        .annotate(count=Count("pk"))
    )
    return {row["presence__student_id"]: row["count"] for row in rows}


#: The window the classroom page's quality figure counts over.
FALSE_PRESENT_DAYS = 30


def recent_false_presents(classroom: Classroom, *, days: int = FALSE_PRESENT_DAYS) -> list[tuple[Student, int]]:
    """The classroom's students with false presents in the last `days` days, most first (the live page's figure)."""
    counts = false_presents(classroom, since=timezone.now() - dt.timedelta(days=days))
    students = Student.objects.in_bulk(list(counts))
    return sorted(
        ((students[pk], count) for pk, count in counts.items() if pk in students),
        key=lambda row: (-row[1], row[0].full_name),
    )


def not_here_origin(change_id: int) -> str:
    """The ``origin`` of the negative example a "was not here" change records: one per change."""
    return f"presence change {change_id}"


def record_not_here(change_id: int) -> bool:
    """Keep the face of the sighting that marked the student as a negative example of them; True if one is kept.

    Idempotent: a change already recorded is not encoded again, and one taken back (its presence is no longer
    absent) or not a "was not here" at all records nothing. The evidence log keeps only a face crop (no encoding),
    so the crop is encoded again, which loads the face models: run it in a worker (attendance.tasks.record_not_here),
    never in a web request. A crop with no face found keeps nothing."""
    from recognition.models import NegativeExample
    from recognition.services.negatives import record_negative

    change = (
        PresenceChange.objects.filter(_NOT_HERE, pk=change_id)
        .select_related("presence__student", "presence__evidence", "changed_by")
        .first()
    )
    if change is None or change.presence.status != PresenceStatus.ABSENT:
        return False
    student = change.presence.student
    origin = not_here_origin(change.pk)
    source = NegativeExample.Source.TEACHER_NOT_HERE
    if NegativeExample.objects.filter(student=student, source=source, origin=origin).exists():
        return True
    log: AttendanceLog | None = change.presence.evidence
    if log is None:
        return False
    encoding = _sighting_encoding(log)  # slow: outside any transaction
    if encoding is None:
        return False
    with transaction.atomic():
        # The presence's row lock orders this with a teacher taking the change back (manual.set_presence, which
        # withdraws under the same lock): either the negative is there to withdraw, or the take-back is seen here.
        status = Presence.objects.select_for_update().values_list("status", flat=True).filter(pk=change.presence_id)
        if status.first() != PresenceStatus.ABSENT:
            return False
        negative = record_negative(student, encoding, source=source, origin=origin, by=change.changed_by)
    return negative is not None


def not_here_changes(presence: Presence) -> list[int]:
    """The ids of the presence's "was not here" changes: each one is recorded again (a no-op when it is) whenever
    the presence is changed to absent, since that puts back one taken back."""
    return list(PresenceChange.objects.filter(_NOT_HERE, presence=presence).values_list("pk", flat=True))


def take_back_not_here(presence: Presence) -> int:
    """The presence was just set present or late by hand: withdraw the negative examples of its "was not here"
    changes, since the face was the student's after all; how many went. Call it inside the transaction that
    records the change, with the presence locked (see :func:`record_not_here`)."""
    from recognition.models import NegativeExample
    from recognition.services.negatives import withdraw_negative

    return sum(
        withdraw_negative(
            presence.student, source=NegativeExample.Source.TEACHER_NOT_HERE, origin=not_here_origin(change_id)
        )
        for change_id in not_here_changes(presence)
    )


def _sighting_encoding(log: AttendanceLog) -> bytes | None:
    if not log.crop:
        return None
    from recognition.engine import ImageRejected, load_image
    from recognition.models import pack_encoding
    from recognition.services.engine import get_detector

    try:
        with log.crop.open("rb") as crop:
            image = load_image(crop.read())
    except (OSError, ImageRejected):
        logger.warning("sighting %s: its crop cannot be read", log.pk)
        return None
    _boxes, encodings = get_detector().detect_and_encode(image, max_faces=1)
    return pack_encoding(encodings[0]) if len(encodings) else None
