"""The class diary's reports: a classroom's month, a student's period, the school's month and period.

Marks and frequency come from :mod:`attendance.services.frequency` (the one definition); this module only groups
them. Every function runs in a fixed number of queries, whatever the number of students and lessons.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.services.access import is_secretary
from attendance.services.frequency import Mark, Tally, enrolled_in, held_lessons, lesson_marks, tally
from school.errors import Refused
from school.models import TEACHERS_GROUP, Classroom, Enrollment, Lesson, Student

__all__ = [
    "Diary",
    "DiaryRow",
    "Missed",
    "Overview",
    "PeriodError",
    "SchoolRow",
    "StudentReport",
    "classroom_diary",
    "may_see_student",
    "minimum_percent",
    "month_bounds",
    "parse_month",
    "parse_period",
    "report_classrooms",
    "school_overview",
    "school_rows",
    "student_report",
]


def minimum_percent() -> float:
    return float(getattr(settings, "MIN_ATTENDANCE_PERCENT", 75.0))


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month``'s month."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _sum(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for one in tallies:
        total.present += one.present
        total.late += one.late
        total.absent += one.absent
        total.justified += one.justified
    return total


class PeriodError(Refused):
    """A month or period that cannot be read."""


#: The longest period a report covers (a school year and a bit): bounds the work a request may ask for.
MAX_PERIOD_DAYS = 400
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_month(value: str | None) -> dt.date:
    """``YYYY-MM`` to the month's first day; empty means this month."""
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise PeriodError("invalid_month", _("The month must be written YYYY-MM, e.g. 2026-03.")) from None


def _iso_date(value: str) -> dt.date:
    # Exactly YYYY-MM-DD, as the API's schema says: fromisoformat alone also takes 20260331 and 2026-W13-2.
    if not ISO_DATE.fullmatch(value):
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def parse_period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """``YYYY-MM-DD`` bounds, inclusive; by default from the first of January to today."""
    today = timezone.localdate()
    try:
        first = _iso_date(start) if start else today.replace(month=1, day=1)
        last = _iso_date(end) if end else today
    except ValueError:
        raise PeriodError("invalid_date", _("Dates must be written YYYY-MM-DD, e.g. 2026-03-31.")) from None
    if last < first:
        raise PeriodError("invalid_period", _("The period cannot end before it starts."))
    if (last - first).days > MAX_PERIOD_DAYS:
        raise PeriodError("period_too_long", _("A report covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
    return first, last


# --- Who sees what -------------------------------------------------------------------------------------------------
def report_classrooms(user: Any) -> QuerySet[Classroom] | None:
    """The classrooms whose reports ``user`` may see (secretaries: every active one; teachers: their own), or None
    when the user may see no report at all."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if is_secretary(user):
        return Classroom.objects.filter(active=True)
    if not user.groups.filter(name=TEACHERS_GROUP).exists():
        return None
    return Classroom.objects.filter(active=True, teachers=user)


def may_see_student(user: Any, student: Student) -> bool:
    """Secretaries see every student; a teacher, the students enrolled this school year in a classroom of theirs."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if is_secretary(user):
        return True
    return Enrollment.objects.filter(
        student=student, school_year=F("classroom__school_year"), classroom__teachers=user
    ).exists()


# --- A classroom's month -------------------------------------------------------------------------------------------
@dataclass
class DiaryRow:
    student: Student
    tally: Tally
    marks: list[Mark | None]  # one per lesson of the diary, in its order (None: not enrolled then)
    below_minimum: bool

    @property
    def frequency(self) -> float | None:
        return self.tally.frequency


@dataclass
class Diary:
    classroom: Classroom
    month: dt.date  # the first day of the month
    lessons: list[Lesson]  # the month's held lessons, in order
    rows: list[DiaryRow]
    minimum: float

    @property
    def totals(self) -> Tally:
        return _sum(row.tally for row in self.rows)

    @property
    def below_minimum(self) -> list[DiaryRow]:
        return [row for row in self.rows if row.below_minimum]


def classroom_diary(classroom: Classroom, month: dt.date, *, now: dt.datetime | None = None) -> Diary:
    """The students enrolled in ``classroom`` by its held lessons of ``month`` (five queries)."""
    first, last = month_bounds(month)
    lessons = list(held_lessons(first, last, classroom_ids=[classroom.pk], now=now))
    students = list(enrolled_in([classroom.pk], on=first, until=last))
    marks = lesson_marks(lessons, students)
    tallies = tally(marks, lessons)
    minimum = minimum_percent()
    rows = []
    for student in students:
        one = tallies.get(student.pk, Tally())
        rows.append(
            DiaryRow(
                student=student,
                tally=one,
                marks=[marks.get((student.pk, lesson.pk)) for lesson in lessons],
                below_minimum=one.below(minimum),
            )
        )
    return Diary(classroom=classroom, month=first, lessons=lessons, rows=rows, minimum=minimum)


# --- A student's period --------------------------------------------------------------------------------------------
@dataclass
class Missed:
    lesson: Lesson
    mark: Mark  # absent or justified


@dataclass
class StudentReport:
    student: Student
    start: dt.date
    end: dt.date
    overall: Tally
    subjects: dict[str, Tally]  # by subject name, sorted
    missed: list[Missed]
    minimum: float

    @property
    def below_minimum(self) -> bool:
        return self.overall.below(self.minimum)

    def subject_below(self, subject: str) -> bool:
        return self.subjects[subject].below(self.minimum)


def student_report(student: Student, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> StudentReport:
    """``student``'s frequency per subject and overall from ``start`` to ``end``, and the lessons missed (five
    queries)."""
    classroom_ids = list(
        Enrollment.objects.filter(student=student, school_year=F("classroom__school_year")).values_list(
            "classroom_id", flat=True
        )
    )
    lessons = list(held_lessons(start, end, classroom_ids=classroom_ids, now=now).select_related("classroom"))
    marks = lesson_marks(lessons, [student])
    by_subject: dict[str, Tally] = {}
    overall = Tally()
    missed = []
    for lesson in lessons:
        mark = marks.get((student.pk, lesson.pk))
        if mark is None:
            continue  # not counted for it: the student had left by then
        overall.add(mark, lesson.pk)
        by_subject.setdefault(lesson.subject, Tally()).add(mark, lesson.pk)
        if mark in ("absent", "justified"):
            missed.append(Missed(lesson=lesson, mark=mark))
    return StudentReport(
        student=student,
        start=start,
        end=end,
        overall=overall,
        subjects=dict(sorted(by_subject.items())),
        missed=missed,
        minimum=minimum_percent(),
    )


# --- The school ----------------------------------------------------------------------------------------------------
@dataclass
class ClassroomFrequency:
    classroom: Classroom
    tally: Tally  # every mark of its students over its lessons
    weeks: list[float | None]  # frequency per week of the overview, in order
    students: int
    at_risk: int

    @property
    def frequency(self) -> float | None:
        return self.tally.frequency


@dataclass
class AtRisk:
    student: Student
    classroom: Classroom
    tally: Tally


@dataclass
class Overview:
    month: dt.date
    weeks: list[dt.date]  # the Mondays of the month's weeks
    classrooms: list[ClassroomFrequency]  # highest frequency first; classrooms without a held lesson last
    at_risk: list[AtRisk]  # lowest frequency first
    minimum: float

    @property
    def totals(self) -> Tally:
        return _sum(row.tally for row in self.classrooms)


@dataclass
class _Marks:
    """The marks of some classrooms' held lessons, grouped by (student, classroom)."""

    classrooms: list[Classroom]
    lessons: list[Lesson]
    students: dict[int, Student]
    by_enrollment: dict[tuple[int, int], Tally] = field(default_factory=dict)
    marks: dict[tuple[int, int], Mark] = field(default_factory=dict)


def _school_marks(
    classrooms: QuerySet[Classroom] | None, start: dt.date, end: dt.date, now: dt.datetime | None
) -> _Marks:
    """Four queries for the classrooms, lessons and students, then lesson_marks' three."""
    rooms = list((classrooms if classrooms is not None else Classroom.objects.filter(active=True)).order_by("code"))
    ids = [room.pk for room in rooms]
    lessons = list(held_lessons(start, end, classroom_ids=ids, now=now))
    students = list(enrolled_in(ids, on=start, until=end))
    marks = lesson_marks(lessons, students)
    classroom_of = {lesson.pk: lesson.classroom_id for lesson in lessons}
    by_enrollment: dict[tuple[int, int], Tally] = {}
    for (student_id, lesson_id), mark in marks.items():
        key = (student_id, classroom_of[lesson_id])
        one = by_enrollment.get(key)
        if one is None:
            one = by_enrollment[key] = Tally()
        setattr(one, mark, getattr(one, mark) + 1)  # counts only: the order of missed lessons is not needed here
    return _Marks(
        classrooms=rooms,
        lessons=lessons,
        students={student.pk: student for student in students},
        by_enrollment=by_enrollment,
        marks=marks,
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def school_overview(
    month: dt.date, *, classrooms: QuerySet[Classroom] | None = None, now: dt.datetime | None = None
) -> Overview:
    """The classrooms (all active ones unless given) by frequency over ``month``, the students below the minimum,
    and each classroom's frequency week by week (seven queries)."""
    first, last = month_bounds(month)
    data = _school_marks(classrooms, first, last, now)
    minimum = minimum_percent()
    weeks = []
    monday = _monday(first)
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    week_index = {week: index for index, week in enumerate(weeks)}
    lesson_week = {lesson.pk: (lesson.classroom_id, week_index[_monday(lesson.date)]) for lesson in data.lessons}
    weekly: dict[tuple[int, int], Tally] = {}
    for (_student_id, lesson_id), mark in data.marks.items():
        key = lesson_week[lesson_id]
        one = weekly.get(key)
        if one is None:
            one = weekly[key] = Tally()
        setattr(one, mark, getattr(one, mark) + 1)
    rooms = {room.pk: room for room in data.classrooms}
    per_room: dict[int, list[Tally]] = {room.pk: [] for room in data.classrooms}
    at_risk = []
    for (student_id, classroom_id), one in data.by_enrollment.items():
        per_room[classroom_id].append(one)
        if one.below(minimum):
            at_risk.append(AtRisk(student=data.students[student_id], classroom=rooms[classroom_id], tally=one))
    rows = [
        ClassroomFrequency(
            classroom=room,
            tally=_sum(per_room[room.pk]),
            weeks=[
                weekly[room.pk, index].frequency if (room.pk, index) in weekly else None
                for index in week_index.values()
            ],
            students=len(per_room[room.pk]),
            at_risk=sum(one.below(minimum) for one in per_room[room.pk]),
        )
        for room in data.classrooms
    ]
    rows.sort(key=lambda row: (row.frequency is None, -(row.frequency or 0.0), row.classroom.code))
    at_risk.sort(key=lambda risk: (risk.tally.frequency or 0.0, risk.classroom.code, risk.student.full_name))
    return Overview(month=first, weeks=weeks, classrooms=rows, at_risk=at_risk, minimum=minimum)


@dataclass
class SchoolRow:
    classroom: Classroom
    student: Student
    tally: Tally
    below_minimum: bool


def school_rows(
    start: dt.date, end: dt.date, *, classrooms: QuerySet[Classroom] | None = None, now: dt.datetime | None = None
) -> list[SchoolRow]:
    """One row per student and classroom over the period, by classroom code and student name (six queries)."""
    data = _school_marks(classrooms, start, end, now)
    minimum = minimum_percent()
    rooms = {room.pk: room for room in data.classrooms}
    rows = [
        SchoolRow(
            classroom=rooms[classroom_id],
            student=data.students[student_id],
            tally=one,
            below_minimum=one.below(minimum),
        )
        for (student_id, classroom_id), one in data.by_enrollment.items()
    ]
    rows.sort(key=lambda row: (row.classroom.code, row.student.full_name, row.student.pk))
    return rows
