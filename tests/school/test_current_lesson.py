from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from school.models import Lesson
from school.services.lessons import current_lesson
from tests.factories import ClassroomFactory, LessonScheduleFactory
from tests.markers import committing_db
from tests.support.concurrency import run_at_once

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MONDAY = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SAO_PAULO)


@pytest.mark.django_db
def test_a_scheduled_slot_becomes_todays_lesson_on_first_use() -> None:
    slot = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20), subject="Física")

    lesson = current_lesson(slot.classroom, at(MONDAY, 7, 45))

    assert lesson is not None
    assert (lesson.date, lesson.start_time, lesson.end_time) == (MONDAY, dt.time(7, 30), dt.time(8, 20))
    assert lesson.subject == "Física" and lesson.schedule == slot


@pytest.mark.django_db
def test_calling_again_returns_the_same_lesson() -> None:
    slot = LessonScheduleFactory(weekday=0)

    first = current_lesson(slot.classroom, at(MONDAY, 7, 31))
    second = current_lesson(slot.classroom, at(MONDAY, 8, 19))

    assert first == second
    assert Lesson.objects.count() == 1


@pytest.mark.django_db
def test_no_lesson_outside_every_window() -> None:
    slot = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))

    assert current_lesson(slot.classroom, at(MONDAY, 8, 20)) is None  # the end is exclusive
    assert current_lesson(slot.classroom, at(MONDAY, 7, 29)) is None
    assert current_lesson(slot.classroom, at(MONDAY + dt.timedelta(days=1), 7, 45)) is None
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_the_moment_is_read_in_the_school_time_zone() -> None:
    slot = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    utc_moment = dt.datetime(2026, 11, 23, 10, 45, tzinfo=dt.UTC)  # 07:45 in São Paulo

    lesson = current_lesson(slot.classroom, utc_moment)

    assert lesson is not None and lesson.date == MONDAY


@pytest.mark.django_db
def test_an_existing_lesson_is_found_even_without_a_schedule() -> None:
    classroom = ClassroomFactory()
    extra = Lesson.objects.create(
        classroom=classroom, date=MONDAY, start_time=dt.time(14), end_time=dt.time(15), subject="Reforço"
    )

    assert current_lesson(classroom, at(MONDAY, 14, 30)) == extra


@committing_db
def test_concurrent_calls_create_one_lesson(postgres: None) -> None:
    classroom = LessonScheduleFactory(weekday=0).classroom

    lessons, errors = run_at_once(lambda: current_lesson(classroom, at(MONDAY, 7, 40)))

    assert errors == []
    assert len(lessons) == 8 and len({lesson.pk for lesson in lessons if lesson}) == 1
    assert Lesson.objects.filter(classroom=classroom).count() == 1
