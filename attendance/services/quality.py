"""Recognition quality from the teachers' corrections: a *false present* is a presence a camera or the kiosk
marked that a teacher then changed to absent ("was not here"). Each one also teaches the matcher: the face that
marked the student is kept as a negative example of them."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Count, Q
from django.utils import timezone

from attendance.models import AttendanceLog, PresenceChange, PresenceStatus
from school.models import Classroom, Student

logger = logging.getLogger(__name__)

#: The sightings that are our own face recognition (their evidence log holds the face crop).
RECOGNISED_SOURCES = ("camera", "kiosk")
_MARKED = (PresenceStatus.PRESENT, PresenceStatus.LATE)


def false_present_changes(classroom: Classroom, since: dt.datetime | None = None) -> Q:
    """The PresenceChange filter of the classroom's false presents (since ``since``): changes to absent of a
    present or late presence that a camera or the kiosk had set."""
    query = Q(
        presence__lesson__classroom=classroom,
        to_status=PresenceStatus.ABSENT,
        from_status__in=_MARKED,
        from_source__in=RECOGNISED_SOURCES,
    )
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


def record_not_here(change_id: int) -> bool:
    """Keep the face of the sighting that marked the student as a negative example of them; True if one was kept.

    The evidence log keeps only a face crop (no encoding), so the crop is encoded again; a crop with no face found
    keeps nothing."""
    from recognition.models import NegativeExample
    from recognition.services.negatives import record_negative

    change = PresenceChange.objects.select_related("presence__student", "presence__evidence", "changed_by").get(
        pk=change_id
    )
    log: AttendanceLog | None = change.presence.evidence
    if log is None:
        return False
    encoding = _sighting_encoding(log)
    if encoding is None:
        return False
    negative = record_negative(
        change.presence.student,
        encoding,
        source=NegativeExample.Source.TEACHER_NOT_HERE,
        origin=f"presence change {change.pk}",
        by=change.changed_by,
    )
    return negative is not None


def _sighting_encoding(log: AttendanceLog) -> bytes | None:
    stored = getattr(log, "encoding", None)  # once AttendanceLog keeps the sighting's encoding
    if stored:
        return bytes(stored)
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
