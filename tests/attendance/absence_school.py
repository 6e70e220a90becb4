"""A classroom of last school year with two lessons a day on chosen dates, for the absence alert tests.

Last year's, so that every test day is over whatever today's date: the checks run with ``today`` set to a day of
that year (``check_absences(today=...)`` looks at the year up to the end of that day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from attendance.models import Justification, Presence, PresenceSource, PresenceStatus
from school.models import Classroom, Guardian, Lesson, Student
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, StudentFactory, TeacherFactory

YEAR = timezone.localdate().year - 1
# Ten school days (days on which the classroom held lessons, whatever their weekday).
DAYS = [dt.date(YEAR, 5, day) for day in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15)]


@dataclass
class AbsenceSchool:
    classroom: Classroom
    student: Student
    classmate: Student
    teacher: User
    mother: Guardian
    lessons: dict[dt.date, list[Lesson]]

    def hold(self, day: dt.date) -> list[Lesson]:
        """Two lessons on ``day`` (07:30 and 08:20)."""
        made = [
            LessonFactory(classroom=self.classroom, date=day, start_time=dt.time(7, 30), end_time=dt.time(8, 20)),
            LessonFactory(classroom=self.classroom, date=day, start_time=dt.time(8, 20), end_time=dt.time(9, 10)),
        ]
        self.lessons[day] = made
        for lesson in made:  # the classmate attends everything
            mark(lesson, self.classmate, PresenceStatus.PRESENT)
        return made

    def attend(self, day: dt.date, *, only_first: bool = False) -> None:
        for lesson in self.lessons[day][:1] if only_first else self.lessons[day]:
            mark(lesson, self.student, PresenceStatus.PRESENT)

    def justify(self, day: dt.date) -> None:
        Justification.objects.create(student=self.student, start_date=day, end_date=day, reason="Atestado médico")


def mark(lesson: Lesson, student: Student, status: str) -> None:
    Presence.objects.create(lesson=lesson, student=student, status=status, source=PresenceSource.MANUAL)


def build(days: list[dt.date] | None = None) -> AbsenceSchool:
    classroom = ClassroomFactory(code="3AT.I", school_year=YEAR)
    student = EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Bruno Lima")).student
    classmate = EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Carla Dias")).student
    teacher = TeacherFactory(
        first_name="Paulo", last_name="Freire", email="paulo@escola.example", classrooms=[classroom]
    )
    TeacherFactory(email="", classrooms=[classroom])  # a teacher of the classroom without an address
    mother = Guardian.objects.create(
        student=student, name="Maria Lima", relation="mãe", email="maria@example.com", notifications=True
    )
    Guardian.objects.create(
        student=student, name="José Lima", relation="pai", email="jose@example.com", notifications=False
    )
    Guardian.objects.create(student=student, name="Ana Lima", relation="avó", email="", notifications=True)
    school = AbsenceSchool(classroom, student, classmate, teacher, mother, {})
    for day in days if days is not None else DAYS:
        school.hold(day)
    return school
