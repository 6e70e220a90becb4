"""The students a closed roll records absent are the ones the reports count: a student counts for the lessons of
their classroom (for its school year) up to the day they leave (``Student.left_on``), whenever the roll closes and
whenever a report is read. Nobody is absent from a lesson on or after the day they left."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from attendance.models import Presence, PresenceStatus, Roll
from attendance.services.absences import check_absences
from attendance.services.roll import close_due_rolls
from school.models import Lesson, Student
from tests.attendance.absence_school import DAYS, build
from tests.attendance.diary_school import last_month, month_period
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def leave(student: Student, on: dt.date) -> None:
    student.active = False
    student.left_on = on
    student.save()


def close_roll_of(lesson: Lesson, *, at: dt.datetime) -> Roll:
    close_due_rolls(now=at)
    return Roll.objects.get(lesson=lesson)


def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def diary_rows(month: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    body = secretary().get("/api/reports/classrooms/3AT.I/diary", {"month": f"{month:%Y-%m}"}).json()
    return {student["registration"]: student for student in body["students"]}, body["totals"]


def test_a_student_who_leaves_keeps_in_the_reports_the_absence_the_roll_recorded() -> None:
    month = last_month()
    classroom = ClassroomFactory(code="3AT.I", school_year=month.year)
    ana = EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="1001")).student
    first = LessonFactory(classroom=classroom, date=month.replace(day=2))
    second = LessonFactory(classroom=classroom, date=month.replace(day=3))

    before = close_roll_of(first, at=first.ends_at + dt.timedelta(minutes=15))
    leave(ana, second.date)  # the morning of the second lesson
    after = close_roll_of(second, at=second.ends_at + dt.timedelta(minutes=15))
    students, totals = diary_rows(month)
    report = secretary().get("/api/reports/students/1001", month_period(month)).json()

    assert (before.absences_recorded, after.absences_recorded) == (1, 0)
    assert [entry["mark"] for entry in students["1001"]["lessons"]] == ["absent", None]
    assert totals["absent"] == before.absences_recorded + after.absences_recorded
    assert (report["held"], report["absent"], [missed["lesson_id"] for missed in report["missed"]]) == (
        1,
        1,
        [first.pk],
    )


def test_a_roll_closed_after_the_student_left_records_them_absent_from_the_lesson_before() -> None:
    month = last_month()
    classroom = ClassroomFactory(code="3AT.I", school_year=month.year)
    ana = EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="1001")).student
    lesson = LessonFactory(classroom=classroom, date=month.replace(day=2))
    leave(ana, month.replace(day=3))

    roll = close_roll_of(lesson, at=lesson.ends_at + dt.timedelta(days=1))  # the worker was down that day
    students, totals = diary_rows(month)

    assert roll.absences_recorded == 1
    assert Presence.objects.get(lesson=lesson, student=ana).status == PresenceStatus.ABSENT
    assert students["1001"]["absent"] == totals["absent"] == 1


def test_nobody_is_absent_from_a_lesson_after_they_left() -> None:
    month = last_month()
    classroom = ClassroomFactory(code="3AT.I", school_year=month.year)
    ana = EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="1001")).student
    lesson = LessonFactory(classroom=classroom, date=month.replace(day=4))
    leave(ana, month.replace(day=3))

    roll = close_roll_of(lesson, at=lesson.ends_at + dt.timedelta(minutes=15))
    students, totals = diary_rows(month)

    assert roll.absences_recorded == 0 and not Presence.objects.filter(student=ana).exists()
    assert [entry["mark"] for entry in students["1001"]["lessons"]] == [None]  # still in the class on the 1st
    assert students["1001"]["held"] == totals["held"] == 0


def test_a_student_who_left_hears_of_no_absence_from_before_they_left(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:3])  # the student missed all three days
    leave(school.student, DAYS[3])

    assert check_absences(today=DAYS[2]) == []
