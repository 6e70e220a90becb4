"""Who counts for a classroom's lessons: the one rule the roll, the live page, the reports and the alerts share.

A student counts for a lesson when enrolled in its classroom for the classroom's school year, arrived by the
lesson's date (``Enrollment.enrolled_on`` on or before it; empty: the whole year) and still a student on it:
active, or made inactive later (``Student.left_on`` after that date). So a roll closed late still records absent a
student who left after the lesson, the reports keep the marks of the lessons before a student left, nobody is
absent from a lesson on or after the day they left, and nobody from one held before they arrived. Consent plays no
part: a student without biometric consent is never recognised, yet is on the roll (a teacher marks them by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from school.models import Enrollment

__all__ = ["enrollments_between", "enrollments_on", "first_day_gone"]


def enrollments_between(classroom_ids: Iterable[int], first: dt.date, last: dt.date) -> QuerySet[Enrollment]:
    """The enrollments in these classrooms whose student counts for their lessons on at least one day from
    ``first`` to ``last`` (one query, with the student); which days is ``enrolled_on`` and :func:`first_day_gone`."""
    return Enrollment.objects.filter(
        Q(student__active=True) | Q(student__left_on__gt=first),
        Q(enrolled_on__isnull=True) | Q(enrolled_on__lte=last),
        classroom_id__in=list(classroom_ids),
        school_year=F("classroom__school_year"),
    ).select_related("student")


def enrollments_on(classroom_ids: Iterable[int], day: dt.date) -> QuerySet[Enrollment]:
    """The enrollments in these classrooms whose student counts for their lessons on ``day``."""
    return enrollments_between(classroom_ids, day, day)


def first_day_gone(active: bool, left_on: dt.date | None) -> dt.date | None:
    """The first day a student no longer counts for their lessons: None while active. One made inactive without a
    date (only a bulk update can do that) counts on no day, like :func:`enrollments_on` has it."""
    if active:
        return None
    return left_on or dt.date.min
