from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendance.models import Presence, PresenceSource, PresenceStatus, Roll
from attendance.services.roll import close_due_rolls
from attendance.services.sightings import record_sighting
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_only_enrolled_active_students_never_seen_are_recorded_absent() -> None:
    lesson = LessonFactory(date=timezone.localdate() - dt.timedelta(days=1))
    classroom = lesson.classroom
    seen = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    missing = EnrollmentFactory(classroom=classroom).student
    marked_absent_by_hand = EnrollmentFactory(classroom=classroom).student
    Presence.objects.create(
        lesson=lesson, student=marked_absent_by_hand, status=PresenceStatus.ABSENT, source=PresenceSource.MANUAL
    )
    EnrollmentFactory(classroom=classroom, student=StudentFactory(active=False, left_on=lesson.date))  # left
    EnrollmentFactory(classroom=classroom, school_year=classroom.school_year - 1)  # last year's class
    EnrollmentFactory(classroom=ClassroomFactory())  # another classroom
    record_sighting(student=seen, classroom=classroom, seen_at=lesson.starts_at + dt.timedelta(minutes=2))

    call_command("close_rolls", stdout=StringIO())

    roll = Roll.objects.get(lesson=lesson)
    assert roll.absences_recorded == 1
    assert dict(Presence.objects.filter(lesson=lesson).values_list("student_id", "source")) == {
        seen.pk: PresenceSource.API,
        missing.pk: PresenceSource.SYSTEM,
        marked_absent_by_hand.pk: PresenceSource.MANUAL,
    }
    assert Presence.objects.get(student=missing).status == PresenceStatus.ABSENT


def test_a_lesson_is_closed_once_it_has_been_over_for_the_delay() -> None:
    lesson = LessonFactory(date=dt.date(2026, 3, 2), start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    ended = lesson.ends_at

    assert close_due_rolls(now=ended + dt.timedelta(minutes=14)) == []
    assert [roll.lesson for roll in close_due_rolls(now=ended + dt.timedelta(minutes=15))] == [lesson]


def test_lessons_older_than_the_edit_window_are_left_alone() -> None:
    lesson = LessonFactory(date=dt.date(2026, 3, 2))

    assert close_due_rolls(now=lesson.ends_at + dt.timedelta(days=8)) == []
    assert not Roll.objects.exists()
