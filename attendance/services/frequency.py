"""How each lesson counts for each student, and frequency: the one definition reports, alerts and pages share.

A lesson is *held* once it has ended. For each held lesson of a classroom, each student who counts for it gets one
mark (enrolled in it that school year and not gone by the lesson's date: ``school.services.enrolled``, the rule
the roll follows):

- ``present`` or ``late``: the lesson's presence says so (a camera, the kiosk, a teacher);
- ``justified``: no presence, or an absence, on a date a justification (a medical certificate...) covers;
- ``absent``: otherwise (the roll, once closed, records it explicitly; until then no presence means absent).

Frequency is the lessons attended (late arrivals included) over the lessons held, in percent with one decimal
(LDB, art. 24, VI counts attendance over the lessons given); justified absences are counted apart from the others,
so a report shows which absences the family explained, but they are still lessons missed.

Everything here runs in a fixed number of queries whatever the number of students and lessons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils import timezone

from attendance.models import Justification, Presence, PresenceStatus
from school.models import Lesson, Student
from school.services.enrolled import enrollments_between, first_day_gone

__all__ = ["MARKS", "Mark", "Tally", "enrolled_in", "held_lessons", "lesson_marks", "tally"]

Mark = Literal["present", "late", "absent", "justified"]
MARKS: tuple[Mark, ...] = ("present", "late", "absent", "justified")


@dataclass
class Tally:
    """A student's marks over some lessons."""

    present: int = 0
    late: int = 0
    absent: int = 0
    justified: int = 0
    missed: list[int] = field(default_factory=list)  # ids of the lessons marked absent or justified

    def add(self, mark: Mark, lesson_id: int) -> None:
        setattr(self, mark, getattr(self, mark) + 1)
        if mark in ("absent", "justified"):
            self.missed.append(lesson_id)

    @property
    def held(self) -> int:
        return self.present + self.late + self.absent + self.justified

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def frequency(self) -> float | None:
        """Percent of the lessons held that the student attended, one decimal; None when none was held."""
        return round(100.0 * self.attended / self.held, 1) if self.held else None

    def below(self, minimum_percent: float) -> bool:
        frequency = self.frequency
        return frequency is not None and frequency < minimum_percent


def held_lessons(
    start: dt.date, end: dt.date, *, classroom_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> QuerySet[Lesson]:
    """The lessons from ``start`` to ``end`` (inclusive) that have ended by ``now``, in order."""
    now = timezone.localtime(now or timezone.now())
    lessons = Lesson.objects.filter(date__gte=start, date__lte=min(end, now.date()))
    if classroom_ids is not None:
        lessons = lessons.filter(classroom_id__in=list(classroom_ids))
    # Today's lessons count once they are over.
    lessons = lessons.exclude(date=now.date(), end_time__gt=now.time())
    return lessons.order_by("date", "start_time", "pk")


def enrolled_in(classroom_ids: Iterable[int], *, on: dt.date, until: dt.date | None = None) -> QuerySet[Student]:
    """The students who count for these classrooms' lessons on ``on`` (for a period, on some day from ``on`` to
    ``until``), by name (one query; who counts is school.services.enrolled's rule, the roll's)."""
    enrollments = enrollments_between(classroom_ids, on, until or on).order_by().values("student_id")
    return Student.objects.filter(pk__in=enrollments).order_by("full_name", "pk")


def lesson_marks(lessons: list[Lesson], students: list[Student]) -> dict[tuple[int, int], Mark]:
    """(student id, lesson id) -> mark, for the students who count for each lesson (enrolled in its classroom,
    arrived and not gone by its date: the roll's rule), in two queries plus one for the enrollments."""
    if not lessons or not students:
        return {}
    student_ids = [student.pk for student in students]
    classroom_ids = {lesson.classroom_id for lesson in lessons}
    first, last = min(lesson.date for lesson in lessons), max(lesson.date for lesson in lessons)
    # Per classroom, the students who count for all its lessons, and apart the few who arrive after ``first`` or
    # are gone by ``last``, with the days they count: from their first day (inclusive) to the day gone (exclusive).
    staying: dict[int, set[int]] = {classroom_id: set() for classroom_id in classroom_ids}
    partly: dict[int, dict[int, tuple[dt.date, dt.date]]] = {classroom_id: {} for classroom_id in classroom_ids}
    for student_id, classroom_id, enrolled_on, active, left_on in (
        enrollments_between(classroom_ids, first, last)
        .filter(student_id__in=student_ids)
        .order_by()
        .values_list("student_id", "classroom_id", "enrolled_on", "student__active", "student__left_on")
    ):
        gone = first_day_gone(active, left_on)
        arrived = enrolled_on is not None and enrolled_on > first
        if not arrived and (gone is None or gone > last):
            staying[classroom_id].add(student_id)
        else:
            partly[classroom_id][student_id] = (enrolled_on or dt.date.min, gone or dt.date.max)
    statuses = {
        (student_id, lesson_id): status
        for student_id, lesson_id, status in _presences(lessons, student_ids, classroom_ids, first, last)
    }
    covered: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for student_id, start, end in Justification.objects.filter(
        Q(student_id__in=student_ids), start_date__lte=last, end_date__gte=first
    ).values_list("student_id", "start_date", "end_date"):
        covered.setdefault(student_id, []).append((start, end))
    marks: dict[tuple[int, int], Mark] = {}
    for lesson in lessons:
        lesson_id, date = lesson.pk, lesson.date
        counted = staying[lesson.classroom_id]
        if some := partly[lesson.classroom_id]:
            counted = counted | {student_id for student_id, (start, gone) in some.items() if start <= date < gone}
        for student_id in counted:
            status = statuses.get((student_id, lesson_id))
            if status in (PresenceStatus.PRESENT, PresenceStatus.LATE):
                marks[student_id, lesson_id] = "present" if status == PresenceStatus.PRESENT else "late"
            elif any(start <= date <= end for start, end in covered.get(student_id, ())):
                marks[student_id, lesson_id] = "justified"
            else:
                marks[student_id, lesson_id] = "absent"
    return marks


#: Above this many (lesson, student) pairs, presences are read by the lessons' classrooms and dates and the students
#: picked here: with the student ids in the query too, SQLite probes the (lesson, student) unique index once per pair
#: (the school's semester CSV, 20,000 lessons by 1,000 students, took 10 s instead of 3 s).
PAIRS_BY_ID = 50_000


def _presences(
    lessons: list[Lesson], student_ids: list[int], classroom_ids: set[int], first: dt.date, last: dt.date
) -> Iterable[tuple[int, int, str]]:
    """(student id, lesson id, status) of these students' presences at these lessons (one query)."""
    lesson_ids = {lesson.pk for lesson in lessons}
    presences = Presence.objects.order_by()  # unsorted: the default ordering joins students and lessons to sort
    if len(lesson_ids) * len(student_ids) <= PAIRS_BY_ID:
        return presences.filter(lesson__in=lesson_ids, student_id__in=student_ids).values_list(
            "student_id", "lesson_id", "status"
        )
    wanted = set(student_ids)
    rows = presences.filter(
        lesson__classroom_id__in=classroom_ids, lesson__date__gte=first, lesson__date__lte=last
    ).values_list("student_id", "lesson_id", "status")
    # Not the other students, nor the lessons of those days that were not held (yet).
    return (row for row in rows if row[0] in wanted and row[1] in lesson_ids)


def tally(marks: dict[tuple[int, int], Mark], lessons: list[Lesson]) -> dict[int, Tally]:
    """Each student's Tally over ``lessons`` (in their order), from :func:`lesson_marks`."""
    by_student: dict[int, Tally] = {}
    order = {lesson.pk: index for index, lesson in enumerate(lessons)}
    for (student_id, lesson_id), mark in sorted(marks.items(), key=lambda item: order[item[0][1]]):
        by_student.setdefault(student_id, Tally()).add(mark, lesson_id)
    return by_student
