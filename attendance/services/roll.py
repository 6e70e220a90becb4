"""Closing a lesson's roll, and its teacher's confirmation.

A roll is closed once the lesson has been over for ROLL_CLOSE_AFTER_MINUTES: every student enrolled in it without a
presence is recorded absent (source ``system``), and a ``Roll`` row says when and how many. From then on sightings
no longer change the lesson (see ``record_sighting``); teachers change it by hand for ROLL_EDIT_DAYS, secretaries at
any time (``set_presence``).

Closing and sightings agree through a lock on the lesson's row: the close takes it exclusively, each sighting and
manual change shares it. A sighting that holds it first commits its presence before the close reads the presences;
one that comes after the close sees the roll and is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from attendance.models import Presence, PresenceSource, PresenceStatus, Roll
from attendance.services.absences import check_absences
from attendance.services.state import enrolled_students
from school.models import Lesson


def lock_lesson(lesson: Lesson, *, exclusive: bool) -> None:
    """Lock the lesson's row until the transaction ends: exclusive for the close, shared for sightings.

    Shared locks (PostgreSQL's FOR SHARE) do not wait for one another, so cameras reporting at once are not
    serialised; elsewhere (SQLite, which writes one transaction at a time anyway) both are SELECT ... FOR UPDATE.
    """
    if exclusive or connection.vendor != "postgresql":
        list(Lesson.objects.select_for_update().filter(pk=lesson.pk).values_list("pk"))
        return
    quote = connection.ops.quote_name
    table, column = quote(Lesson._meta.db_table), quote("id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {column} = %s FOR SHARE", [lesson.pk])


def is_closed(lesson: Lesson) -> bool:
    return Roll.objects.filter(lesson=lesson).exists()


def close_roll(lesson: Lesson, *, now: dt.datetime | None = None) -> Roll:
    """Close the lesson's roll: each enrolled student without a presence is recorded absent.

    Idempotent: a roll already closed is returned unchanged (one Roll per lesson, read under the lock).
    """
    now = now or timezone.now()
    with transaction.atomic():
        lock_lesson(lesson, exclusive=True)
        roll = Roll.objects.filter(lesson=lesson).first()
        if roll is not None:
            return roll
        seen = set(Presence.objects.filter(lesson=lesson).values_list("student_id", flat=True))
        absent = [
            Presence(lesson=lesson, student=student, status=PresenceStatus.ABSENT, source=PresenceSource.SYSTEM)
            for student in enrolled_students(lesson)
            if student.pk not in seen
        ]
        Presence.objects.bulk_create(absent)
        return Roll.objects.create(lesson=lesson, closed_at=now, absences_recorded=len(absent))


def due_lessons(*, now: dt.datetime | None = None) -> list[Lesson]:
    """Lessons of the last ROLL_EDIT_DAYS days that ended ROLL_CLOSE_AFTER_MINUTES ago or more, without a roll."""
    now = timezone.localtime(now or timezone.now())
    cutoff = now - dt.timedelta(minutes=settings.ROLL_CLOSE_AFTER_MINUTES)
    lessons = (
        Lesson.objects.filter(
            date__gte=now.date() - dt.timedelta(days=settings.ROLL_EDIT_DAYS),
            date__lte=cutoff.date(),
            roll__isnull=True,
        )
        .exclude(date=cutoff.date(), end_time__gt=cutoff.time())
        .select_related("classroom")
        .order_by("date", "start_time", "pk")
    )
    return list(lessons)


def close_due_rolls(*, now: dt.datetime | None = None) -> list[Roll]:
    """Close every roll that is due (see :func:`due_lessons`), then look for the absence streaks and low
    frequencies those absences make in the classrooms concerned (absences.check_absences: a notice, its alert and
    its e-mails once per streak). Returns the rolls this call closed."""
    now = now or timezone.now()
    rolls = [close_roll(lesson, now=now) for lesson in due_lessons(now=now)]
    if rolls:
        check_absences(today=timezone.localdate(now), classroom_ids={roll.lesson.classroom_id for roll in rolls})
    return rolls


def confirm_roll(roll: Roll, *, by: Any) -> Roll:
    """The teacher (or a secretary) confirms the closed roll; the first confirmation is kept."""
    with transaction.atomic():
        roll = Roll.objects.select_for_update().get(pk=roll.pk)
        if roll.confirmed_at is None:
            roll.confirmed_at = timezone.now()
            roll.confirmed_by = by
            roll.save(update_fields=["confirmed_at", "confirmed_by"])
    return roll


def roll_payload(roll: Roll) -> dict[str, Any]:
    """A roll as API clients see it."""
    by = roll.confirmed_by
    return {
        "lesson_id": roll.lesson_id,
        "closed_at": roll.closed_at.isoformat(),
        "absences_recorded": roll.absences_recorded,
        "confirmed_at": roll.confirmed_at.isoformat() if roll.confirmed_at else None,
        "confirmed_by": (by.get_full_name() or by.get_username()) if by else None,
    }
