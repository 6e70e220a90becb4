"""A student who arrives during the school year (``Enrollment.enrolled_on``) counts from that day: the roll of an
earlier lesson does not record them absent, and the diary, their report and the frequency count only the lessons
from their first day. Empty, the enrollment covers the whole school year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from attendance.models import Presence, PresenceStatus, Roll
from attendance.services.roll import close_due_rolls
from school.models import Enrollment, Lesson
from tests.attendance.diary_school import last_month, month_period
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def close_roll_of(lesson: Lesson) -> Roll:
    close_due_rolls(now=lesson.ends_at + dt.timedelta(minutes=15))
    return Roll.objects.get(lesson=lesson)


def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def test_the_roll_and_the_reports_count_a_newcomer_from_their_first_day() -> None:
    month = last_month()
    classroom = ClassroomFactory(code="3AT.I", school_year=month.year)
    EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="1001"))
    newcomer = EnrollmentFactory(
        classroom=classroom, student=StudentFactory(registration="1002"), enrolled_on=month.replace(day=3)
    ).student
    before = LessonFactory(classroom=classroom, date=month.replace(day=2))
    after = LessonFactory(classroom=classroom, date=month.replace(day=3))

    rolls = [close_roll_of(before), close_roll_of(after)]
    diary = secretary().get("/api/reports/classrooms/3AT.I/diary", {"month": f"{month:%Y-%m}"}).json()
    students = {student["registration"]: student for student in diary["students"]}
    report = secretary().get("/api/reports/students/1002", month_period(month)).json()

    assert [roll.absences_recorded for roll in rolls] == [1, 2]
    assert not Presence.objects.filter(lesson=before, student=newcomer).exists()
    assert Presence.objects.get(lesson=after, student=newcomer).status == PresenceStatus.ABSENT
    assert [entry["mark"] for entry in students["1002"]["lessons"]] == [None, "absent"]
    assert [entry["mark"] for entry in students["1001"]["lessons"]] == ["absent", "absent"]
    assert diary["totals"]["absent"] == sum(roll.absences_recorded for roll in rolls) == 3
    assert (report["held"], report["absent"]) == (1, 1)


def test_a_newcomer_arriving_after_the_month_is_not_in_its_diary() -> None:
    month = last_month()
    classroom = ClassroomFactory(code="3AT.I", school_year=month.year)
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="1002"), enrolled_on=next_month)
    LessonFactory(classroom=classroom, date=month.replace(day=2))

    diary = secretary().get("/api/reports/classrooms/3AT.I/diary", {"month": f"{month:%Y-%m}"}).json()

    assert [student["registration"] for student in diary["students"]] == []


def test_a_first_day_outside_the_school_year_is_refused() -> None:
    classroom = ClassroomFactory(school_year=2026)
    enrollment = Enrollment(
        classroom=classroom, student=StudentFactory(), school_year=2026, enrolled_on=dt.date(2025, 12, 1)
    )

    with pytest.raises(ValidationError) as refused:
        enrollment.full_clean()

    assert "enrolled_on" in refused.value.message_dict
