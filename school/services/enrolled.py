"""Who counts for a classroom's lessons: the one rule the roll, the live page, the reports and the alerts share.

A student counts for a lesson when enrolled in its classroom for the classroom's school year and still a student
on the lesson's date: active, or made inactive later (``Student.left_on`` after that date). So a roll closed late
still records absent a student who left after the lesson, the reports keep the marks of the lessons before a
student left, and nobody is absent from a lesson on or after the day they left. Consent plays no part: a student
without biometric consent is never recognised, yet is on the roll (a teacher marks them by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from school.models import Enrollment

__all__ = ["enrollments_on", "first_day_gone"]


def enrollments_on(classroom_ids: Iterable[int], day: dt.date) -> QuerySet[Enrollment]:
    """The enrollments in these classrooms whose student counts for their lessons on ``day``, and so on every
    earlier day (one query, with the student)."""
    return Enrollment.objects.filter(
        Q(student__active=True) | Q(student__left_on__gt=day),
        classroom_id__in=list(classroom_ids),
        school_year=F("classroom__school_year"),
    ).select_related("student")


def first_day_gone(active: bool, left_on: dt.date | None) -> dt.date | None:
    """The first day a student no longer counts for their lessons: None while active. One made inactive without a
    date (only a bulk update can do that) counts on no day, like :func:`enrollments_on` has it."""
    if active:
        return None
    return left_on or dt.date.min
