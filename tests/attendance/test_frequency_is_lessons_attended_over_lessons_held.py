"""Each held lesson gives each enrolled student one mark (present, late, justified or absent); frequency is the
lessons attended, late included, over the lessons held; lessons not over yet and other years' classes do not count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from attendance.models import Justification, Presence, PresenceSource, PresenceStatus
from attendance.services.frequency import held_lessons, lesson_marks, tally
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)


def test_marks_and_frequency_over_four_lessons_with_a_justified_day(django_assert_max_num_queries: Any) -> None:
    classroom = ClassroomFactory(code="3AT.I", school_year=2026)
    ana, bruno = (EnrollmentFactory(classroom=classroom).student for _ in range(2))
    lessons = [LessonFactory(classroom=classroom, date=MONDAY + dt.timedelta(days=day)) for day in range(4)]
    Presence.objects.create(lesson=lessons[0], student=ana, status=PresenceStatus.PRESENT, source=PresenceSource.CAMERA)
    Presence.objects.create(lesson=lessons[1], student=ana, status=PresenceStatus.LATE, source=PresenceSource.CAMERA)
    Presence.objects.create(lesson=lessons[2], student=ana, status=PresenceStatus.ABSENT, source=PresenceSource.SYSTEM)
    Presence.objects.create(
        lesson=lessons[0], student=bruno, status=PresenceStatus.PRESENT, source=PresenceSource.KIOSK
    )
    Justification.objects.create(
        student=ana, start_date=MONDAY + dt.timedelta(days=2), end_date=MONDAY + dt.timedelta(days=2), reason="Atestado"
    )
    other_year = EnrollmentFactory(classroom=classroom, school_year=2025).student

    held = list(
        held_lessons(MONDAY, MONDAY + dt.timedelta(days=30), now=timezone.make_aware(dt.datetime(2026, 3, 5, 8, 0)))
    )
    with django_assert_max_num_queries(3):
        marks = lesson_marks(held, [ana, bruno, other_year])
    tallies = tally(marks, held)

    assert [lesson.pk for lesson in held] == [lesson.pk for lesson in lessons[:3]]  # the 4th is at 7:30-8:20 on the 5th
    assert [marks[ana.pk, lesson.pk] for lesson in held] == ["present", "late", "justified"]
    assert [marks[bruno.pk, lesson.pk] for lesson in held] == ["present", "absent", "absent"]
    assert other_year.pk not in {student_id for student_id, _ in marks}
    assert (tallies[ana.pk].attended, tallies[ana.pk].held, tallies[ana.pk].frequency) == (2, 3, 66.7)
    assert (tallies[bruno.pk].absent, tallies[bruno.pk].justified, tallies[bruno.pk].frequency) == (2, 0, 33.3)
    assert tallies[ana.pk].missed == [lessons[2].pk] and tallies[ana.pk].below(75.0)
    assert not tallies[ana.pk].below(60.0)
