from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from attendance.models import Presence, PresenceSource, Roll
from attendance.tasks import close_due_rolls
from tests.factories import EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_the_command_then_the_task_close_a_lesson_once() -> None:
    lesson = LessonFactory(date=timezone.localdate() - dt.timedelta(days=1))
    EnrollmentFactory(classroom=lesson.classroom)
    out = StringIO()

    with translation.override("en"):  # the school's default language is pt-BR
        call_command("close_rolls", stdout=out)
        first = Roll.objects.get(lesson=lesson)
        again = close_due_rolls()
        call_command("close_rolls", stdout=out)

    assert again == 0
    assert out.getvalue().splitlines() == ["1 roll closed, 1 absence recorded.", "0 rolls closed, 0 absences recorded."]
    assert Roll.objects.get() == first and Roll.objects.get().closed_at == first.closed_at
    assert Presence.objects.filter(lesson=lesson, source=PresenceSource.SYSTEM).count() == 1
