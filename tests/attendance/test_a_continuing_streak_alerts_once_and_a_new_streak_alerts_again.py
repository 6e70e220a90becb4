"""A streak that goes on makes no new notice or e-mail; after a day the student attended, a new streak does. A
justified day neither counts towards a streak nor ends it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from attendance.models import AbsenceNotice
from attendance.services.absences import check_absences
from school.models import Lesson
from tests.attendance.absence_school import DAYS, build
from tests.factories import LessonFactory

pytestmark = pytest.mark.django_db

STREAK = AbsenceNotice.Kind.CONSECUTIVE_ABSENCE


def streak_emails() -> list[str]:
    return [message.to[0] for message in mail.outbox if message.extra_headers["X-Chamada-Notice"].startswith(STREAK)]


def check(day: Any, capture: Any) -> list[AbsenceNotice]:
    with capture(execute=True):
        return [notice for notice in check_absences(today=day) if notice.kind == STREAK]


def test_a_streak_that_goes_on_sends_nothing_more(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    build(DAYS[:5])
    assert len(check(DAYS[2], django_capture_on_commit_callbacks)) == 1
    sent = len(streak_emails())

    assert check(DAYS[3], django_capture_on_commit_callbacks) == []
    assert check(DAYS[4], django_capture_on_commit_callbacks) == []
    assert check(DAYS[4], django_capture_on_commit_callbacks) == []  # the same day checked again
    assert len(streak_emails()) == sent == 2
    assert AbsenceNotice.objects.filter(kind=STREAK).count() == 1


def test_a_new_streak_after_a_present_day_alerts_again(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:7])
    school.attend(DAYS[3])
    first = check(DAYS[2], django_capture_on_commit_callbacks)

    second = check(DAYS[6], django_capture_on_commit_callbacks)

    assert [n.key for n in first] == [DAYS[0].isoformat()]
    assert [n.key for n in second] == [DAYS[4].isoformat()]
    assert sorted(streak_emails()) == sorted(["maria@example.com", "paulo@escola.example"] * 2)


def test_a_justified_day_neither_counts_nor_breaks_the_streak(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:4])
    school.justify(DAYS[1])

    assert check(DAYS[2], django_capture_on_commit_callbacks) == []  # two absent days, one justified between
    notices = check(DAYS[3], django_capture_on_commit_callbacks)

    assert [(n.key, n.details["days"]) for n in notices] == [(DAYS[0].isoformat(), 3)]


def test_today_counts_only_once_its_lessons_are_over(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 1
    school = build([])
    today = timezone.localdate()
    school.classroom.school_year = today.year
    school.classroom.save()
    school.student.enrollments.update(school_year=today.year)
    LessonFactory(classroom=school.classroom, date=today, start_time=dt.time(0, 0), end_time=dt.time(0, 1))
    LessonFactory(classroom=school.classroom, date=today, start_time=dt.time(23, 58), end_time=dt.time(23, 59))

    notices = check(None, django_capture_on_commit_callbacks)

    assert Lesson.objects.filter(date=today).count() == 2
    assert notices == []  # one lesson missed, one still to come: the day is not over
