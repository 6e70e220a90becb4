"""A small school with hand-computed marks, for the report tests.

Classroom 3AT.I, last month, four held lessons: (1) day 2 07:30 Matemática, (2) day 2 08:20 Português,
(3) day 3 07:30 Matemática, (4) day 4 07:30 Português.

- Conceição Ângela: present, late, justified (a certificate for day 3), present: 2/1/0/1, 75.0 % (not below 75);
- Bruno Lima: present, absent (the closed roll's), absent, absent: 1/0/3/0, 25.0 % (below);
- Carla Dias: present in all four: 4/0/0/0, 100.0 %.

Around them, what must not count: a student enrolled in another school year, a lesson of next month, and classroom
2BT.I (its own teacher, its student Davi Souza, a lesson the same month).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from attendance.models import Justification, Presence, PresenceSource, PresenceStatus
from school.models import Classroom, Lesson, Student
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    LessonFactory,
    SecretaryFactory,
    StudentFactory,
    TeacherFactory,
)


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_period(month: dt.date) -> dict[str, str]:
    """The ?from=&to= query of ``month``'s whole month."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return {"from": month.isoformat(), "to": last.isoformat()}


@dataclass
class School:
    month: dt.date
    classroom: Classroom
    other: Classroom
    lessons: list[Lesson]
    ana: Student
    bruno: Student
    carla: Student
    davi: Student
    teacher: User
    other_teacher: User
    secretary: User


def mark(lesson: Lesson, student: Student, status: str, source: str = PresenceSource.CAMERA) -> None:
    Presence.objects.create(lesson=lesson, student=student, status=status, source=source)


def build_school() -> School:
    month = last_month()
    year = timezone.localdate().year
    classroom = ClassroomFactory(code="3AT.I", name="Terceiro A", school_year=year)
    other = ClassroomFactory(code="2BT.I", name="Segundo B", school_year=year)
    ana = EnrollmentFactory(
        classroom=classroom, student=StudentFactory(full_name="Conceição Ângela", registration="1001")
    ).student
    bruno = EnrollmentFactory(
        classroom=classroom, student=StudentFactory(full_name="Bruno Lima", registration="1002")
    ).student
    carla = EnrollmentFactory(
        classroom=classroom, student=StudentFactory(full_name="Carla Dias", registration="1003")
    ).student
    EnrollmentFactory(classroom=classroom, school_year=year - 1, student=StudentFactory(registration="0999"))
    davi = EnrollmentFactory(
        classroom=other, student=StudentFactory(full_name="Davi Souza", registration="2001")
    ).student
    day = month.replace
    lessons = [
        LessonFactory(classroom=classroom, date=day(day=2), start_time=dt.time(7, 30), end_time=dt.time(8, 20)),
        LessonFactory(
            classroom=classroom,
            date=day(day=2),
            start_time=dt.time(8, 20),
            end_time=dt.time(9, 10),
            subject="Português",
        ),
        LessonFactory(classroom=classroom, date=day(day=3)),
        LessonFactory(classroom=classroom, date=day(day=4), subject="Português"),
    ]
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    LessonFactory(classroom=classroom, date=next_month)  # another month: not in the diary
    other_lesson = LessonFactory(classroom=other, date=day(day=2))
    for lesson, status in zip(lessons, ["present", "late", "absent", "present"], strict=True):
        mark(lesson, ana, status, PresenceSource.SYSTEM if status == "absent" else PresenceSource.CAMERA)
    Justification.objects.create(student=ana, start_date=day(day=3), end_date=day(day=3), reason="Atestado médico")
    mark(lessons[0], bruno, PresenceStatus.PRESENT)
    mark(lessons[1], bruno, PresenceStatus.ABSENT, PresenceSource.SYSTEM)
    for lesson in lessons:
        mark(lesson, carla, PresenceStatus.PRESENT, PresenceSource.KIOSK)
    mark(other_lesson, davi, PresenceStatus.LATE)
    return School(
        month=month,
        classroom=classroom,
        other=other,
        lessons=lessons,
        ana=ana,
        bruno=bruno,
        carla=carla,
        davi=davi,
        teacher=TeacherFactory(classrooms=[classroom]),
        other_teacher=TeacherFactory(classrooms=[other]),
        secretary=SecretaryFactory(),
    )
