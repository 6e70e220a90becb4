"""The check reads the year in a fixed number of queries, whatever the number of students; only active students
enrolled for the classroom's year are looked at."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AbsenceNotice
from attendance.services.absences import check_absences
from tests.attendance.absence_school import DAYS, YEAR, build
from tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def queries_of_a_quiet_check() -> int:
    with CaptureQueriesContext(connection) as queries:
        assert check_absences(today=DAYS[4]) == []  # everything already noticed
    return len(queries)


def test_the_queries_do_not_grow_with_the_students(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:5])
    with django_capture_on_commit_callbacks(execute=True):
        check_absences(today=DAYS[4])
    one = queries_of_a_quiet_check()

    for _ in range(9):
        EnrollmentFactory(classroom=school.classroom)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(check_absences(today=DAYS[4])) == 18  # nine new streaks, nine low frequencies
    ten = queries_of_a_quiet_check()

    assert ten == one <= 10


def test_inactive_and_other_year_students_are_left_alone(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:3])
    school.student.active = False
    school.student.save()
    EnrollmentFactory(classroom=school.classroom, school_year=YEAR - 1, student=StudentFactory())

    check_absences(today=DAYS[2])

    assert not AbsenceNotice.objects.exists()
