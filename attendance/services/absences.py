"""Absence alerts: a student absent several school days in a row, or whose frequency fell below the minimum.

``check_absences()`` looks at the school year so far (from 1 January of the current year, the Brazilian school
year, to ``today``) of every active classroom of that year, with the marks of ``attendance.services.frequency``
(the one definition of present, late, justified and absent):

- A *school day* of a student is a date on which one of their classrooms held lessons. It is *absent* when every
  lesson held that day is marked ``absent``, *attended* when any is ``present`` or ``late``, and otherwise
  (no attendance, a justification) *justified*: a justified day neither counts towards a streak nor breaks it.
  A day counts only once it is over: while the classroom still has a lesson to come today, today is left out.
- ``consecutive_absence``: the student's latest streak of absent days reached ``ABSENCE_ALERT_DAYS``. The notice's
  key is the streak's first day, so a streak that goes on alerts once, and only a new streak (after an attended
  day) alerts again. Only the streak running at the last school day is alerted: a streak the student already
  ended by coming back is not reported late.
- ``low_frequency``: the student's frequency over the year so far (lessons attended over lessons held, justified
  absences included in the missed ones, as everywhere) is below ``MIN_ATTENDANCE_PERCENT``. The key is the first
  school day of the current episode below the minimum; an episode ends on a day it is back at or above it.

Each notice is an ``AbsenceNotice`` row, unique per (student, kind, key): whoever checks, and however often, it
is made once, with its e-mails to send (``attendance.services.notice_emails``). After the commit that made it,
``absence_noticed`` is sent (monitoring turns it into an alert) and a task sends the e-mails. The check runs in a
fixed number of queries, plus a few per new notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.models import AbsenceNotice
from attendance.services.frequency import Mark, Tally, enrolled_in, held_lessons, lesson_marks
from attendance.services.notice_emails import queue_notice_emails
from attendance.signals import absence_noticed
from school.models import Classroom, Lesson

logger = logging.getLogger(__name__)

__all__ = ["check_absences"]


@dataclass(frozen=True)
class _Candidate:
    student_id: int
    kind: str
    key: str
    details: dict[str, Any]


def check_absences(*, today: dt.date | None = None, classroom_ids: Iterable[int] | None = None) -> list[AbsenceNotice]:
    """Make the absence notices due on ``today`` (default: today) for the active students of the active classrooms
    (or of ``classroom_ids``); returns the new ones. Their alert and e-mails leave after commit."""
    now = timezone.localtime()
    today = today or now.date()
    # A day in the past is looked at as it stood at its end.
    moment = now if today >= now.date() else timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    classrooms = Classroom.objects.filter(active=True, school_year=today.year)
    if classroom_ids is not None:
        classrooms = classrooms.filter(pk__in=list(classroom_ids))
    ids = list(classrooms.values_list("pk", flat=True))
    if not ids:
        return []
    lessons = list(held_lessons(dt.date(today.year, 1, 1), today, classroom_ids=ids, now=moment))
    # Only students still at school now: one who has left hears of no absence, not even of the days before.
    students = list(enrolled_in(ids, on=max(today, now.date())))
    marks = lesson_marks(lessons, students)
    unfinished = set(
        Lesson.objects.filter(classroom_id__in=ids, date=today, end_time__gt=moment.time()).values_list(
            "classroom_id", flat=True
        )
    )
    by_id = {lesson.pk: lesson for lesson in lessons}
    days: dict[int, dict[dt.date, list[tuple[Mark, Lesson]]]] = defaultdict(lambda: defaultdict(list))
    for (student_id, lesson_id), mark in marks.items():
        lesson = by_id[lesson_id]
        if lesson.date == today and lesson.classroom_id in unfinished:
            continue  # today is not over for this classroom
        days[student_id][lesson.date].append((mark, lesson))

    candidates: list[_Candidate] = []
    for student_id, student_days in days.items():
        streak = _current_streak(student_days)
        if streak is not None:
            candidates.append(streak.candidate(student_id))
        low = _current_low_episode(student_days, settings.MIN_ATTENDANCE_PERCENT)
        if low is not None:
            candidates.append(low.candidate(student_id))
    return _record(candidates)


@dataclass
class _Streak:
    first: dt.date
    last: dt.date
    days: int
    classroom_ids: set[int]

    def candidate(self, student_id: int) -> _Candidate:
        return _Candidate(
            student_id,
            AbsenceNotice.Kind.CONSECUTIVE_ABSENCE,
            self.first.isoformat(),
            {
                "days": self.days,
                "first_day": self.first.isoformat(),
                "last_day": self.last.isoformat(),
                "classroom_ids": sorted(self.classroom_ids),
            },
        )


def _current_streak(student_days: dict[dt.date, list[tuple[Mark, Lesson]]]) -> _Streak | None:
    """The streak of absent school days running at the student's last school day, if long enough to alert."""
    streak: _Streak | None = None
    for day in sorted(student_days):
        day_marks = [mark for mark, _lesson in student_days[day]]
        if any(mark in ("present", "late") for mark in day_marks):
            streak = None
        elif all(mark == "absent" for mark in day_marks):
            classroom_ids = {lesson.classroom_id for _mark, lesson in student_days[day]}
            if streak is None:
                streak = _Streak(day, day, 0, set())
            streak.last = day
            streak.days += 1
            streak.classroom_ids |= classroom_ids
        # Otherwise a justified day: the streak neither grows nor ends.
    if streak is None or streak.days < settings.ABSENCE_ALERT_DAYS:
        return None
    return streak


@dataclass
class _LowEpisode:
    since: dt.date
    tally: Tally
    minimum: float
    classroom_ids: set[int]

    def candidate(self, student_id: int) -> _Candidate:
        return _Candidate(
            student_id,
            AbsenceNotice.Kind.LOW_FREQUENCY,
            self.since.isoformat(),
            {
                "frequency": self.tally.frequency,
                "minimum": self.minimum,
                "held": self.tally.held,
                "attended": self.tally.attended,
                "absent": self.tally.absent,
                "justified": self.tally.justified,
                "since": self.since.isoformat(),
                "classroom_ids": sorted(self.classroom_ids),
            },
        )


def _current_low_episode(student_days: dict[dt.date, list[tuple[Mark, Lesson]]], minimum: float) -> _LowEpisode | None:
    """The episode below ``minimum`` the student is in at their last school day (frequency after each day)."""
    running = Tally()
    since: dt.date | None = None
    classroom_ids: set[int] = set()
    for day in sorted(student_days):
        for mark, lesson in student_days[day]:
            running.add(mark, lesson.pk)
            classroom_ids.add(lesson.classroom_id)
        if running.below(minimum):
            since = since or day
        else:
            since = None
    if since is None:
        return None
    return _LowEpisode(since, running, minimum, classroom_ids)


def _record(candidates: list[_Candidate]) -> list[AbsenceNotice]:
    if not candidates:
        return []
    existing = set(
        AbsenceNotice.objects.filter(
            student_id__in={c.student_id for c in candidates}, key__in={c.key for c in candidates}
        ).values_list("student_id", "kind", "key")
    )
    made: list[AbsenceNotice] = []
    for candidate in candidates:
        if (candidate.student_id, candidate.kind, candidate.key) in existing:
            continue
        try:
            with transaction.atomic():
                notice = AbsenceNotice.objects.create(
                    student_id=candidate.student_id, kind=candidate.kind, key=candidate.key, details=candidate.details
                )
                queue_notice_emails(notice)  # with the notice, or neither
        except IntegrityError:
            continue  # another check made it meanwhile: it announces it
        logger.info("absence notice %s for student %s (%s)", notice.kind, notice.student_id, notice.key)
        transaction.on_commit(partial(_announce, notice), robust=True)  # one failing notice spares the others
        made.append(notice)
    return made


def _announce(notice: AbsenceNotice) -> None:
    absence_noticed.send_robust(AbsenceNotice, notice=notice)
    from attendance.tasks import send_notice_emails  # the tasks module imports the services

    try:
        send_notice_emails.delay(notice.pk)  # in-process in embedded mode
    except Exception:  # the broker is down: the e-mails stay due, and the next sweep (beat, close_rolls) sends them
        logger.exception("absence notice %s: its e-mails wait for the next sweep", notice.pk)
