from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from school.models import Lesson
from school.services.lessons import generate_lessons
from tests.factories import ClassroomFactory, LessonScheduleFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 23)


def test_a_week_of_lessons_is_made_for_the_weekdays_in_the_schedule() -> None:
    classroom = ClassroomFactory()
    LessonScheduleFactory(classroom=classroom, weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    LessonScheduleFactory(classroom=classroom, weekday=0, start_time=dt.time(8, 20), end_time=dt.time(9, 10))
    LessonScheduleFactory(
        classroom=classroom, weekday=2, start_time=dt.time(13), end_time=dt.time(14), subject="Química"
    )

    created = generate_lessons(classroom, MONDAY, days=7)

    assert created == 3
    made = set(Lesson.objects.filter(classroom=classroom).values_list("date", "start_time", "end_time", "subject"))
    assert made == {
        (MONDAY, dt.time(7, 30), dt.time(8, 20), "Matemática"),
        (MONDAY, dt.time(8, 20), dt.time(9, 10), "Matemática"),
        (MONDAY + dt.timedelta(days=2), dt.time(13), dt.time(14), "Química"),
    }


def test_generating_the_same_week_again_creates_nothing() -> None:
    slot = LessonScheduleFactory(weekday=4)
    generate_lessons(slot.classroom, MONDAY, days=7)

    created = generate_lessons(slot.classroom, MONDAY, days=7)

    assert created == 0
    assert Lesson.objects.count() == 1


def test_only_the_given_classrooms_schedule_is_used() -> None:
    slot = LessonScheduleFactory(weekday=0)
    other = LessonScheduleFactory(weekday=0)

    generate_lessons(slot.classroom, MONDAY, days=7)

    assert Lesson.objects.filter(classroom=slot.classroom).count() == 1
    assert not Lesson.objects.filter(classroom=other.classroom).exists()


def test_a_secretary_generates_this_weeks_lessons_from_the_classroom_list(
    secretary_client: Client, english: None
) -> None:
    classroom = ClassroomFactory()
    LessonScheduleFactory(classroom=classroom, weekday=0)
    LessonScheduleFactory(classroom=classroom, weekday=3)
    untouched = LessonScheduleFactory(weekday=1).classroom

    response = secretary_client.post(
        "/admin/school/classroom/",
        {"action": "generate_week_of_lessons", "_selected_action": [classroom.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 lessons created." in [str(message) for message in response.context["messages"]]
    assert Lesson.objects.filter(classroom=classroom).count() == 2
    assert not Lesson.objects.filter(classroom=untouched).exists()
