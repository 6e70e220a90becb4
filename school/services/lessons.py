"""Lessons: finding the one in progress and making concrete lessons from the weekly schedule."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from school.models import Classroom, Lesson, LessonSchedule


def current_lesson(classroom: Classroom, at: dt.datetime | None = None) -> Lesson | None:
    """The lesson of `classroom` whose window contains `at` (default: now), or None.

    When the schedule has a slot at that moment but today's lesson was not made yet, it is created. Concurrent
    callers converge on one row: the (classroom, date, start_time) unique constraint decides, and get_or_create
    re-reads the winner's row after losing the race.
    """
    local = timezone.localtime(at or timezone.now())
    moment = local.time().replace(tzinfo=None)
    existing = (
        Lesson.objects.filter(classroom=classroom, date=local.date()).containing(moment).order_by("start_time").first()
    )
    if existing is not None:
        return existing
    slot = (
        LessonSchedule.objects.filter(classroom=classroom, weekday=local.weekday())
        .containing(moment)
        .order_by("start_time")
        .first()
    )
    if slot is None:
        return None
    lesson, _created = _lesson_from_slot(slot, local.date())
    return lesson


def generate_lessons(classroom: Classroom, first_day: dt.date, days: int = 7) -> int:
    """Make the lessons of `days` days from `first_day` out of the schedule; returns how many were new."""
    slots = list(LessonSchedule.objects.filter(classroom=classroom))
    created = 0
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for slot in slots:
            if slot.weekday == day.weekday():
                created += _lesson_from_slot(slot, day)[1]
    return created


def _lesson_from_slot(slot: LessonSchedule, day: dt.date) -> tuple[Lesson, bool]:
    return Lesson.objects.get_or_create(
        classroom_id=slot.classroom_id,
        date=day,
        start_time=slot.start_time,
        defaults={
            "end_time": slot.end_time,
            "subject": slot.subject,
            "teacher_id": slot.teacher_id,
            "schedule": slot,
        },
    )
