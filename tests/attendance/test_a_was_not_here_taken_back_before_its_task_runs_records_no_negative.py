"""The negative example of a "was not here" is recorded by a worker, a moment after the teacher's change. A teacher
who takes the change back in that moment (marks the student present again) leaves the late task nothing to learn:
it records no negative, and no false present is counted."""

from __future__ import annotations

import pytest

from attendance.services.quality import false_presents
from recognition.models import NegativeExample
from school.models import Lesson, Student
from tests.attendance.not_here import Capture, api_as, kiosk_marks_with_bidens_face, put
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_the_task_of_a_change_already_taken_back_records_nothing(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    kiosk_marks_with_bidens_face(lesson, student)
    teacher = api_as(TeacherFactory(classrooms=[lesson.classroom]))
    with django_capture_on_commit_callbacks(execute=False) as queued:  # the worker has not got to it yet
        put(teacher, lesson, student, "absent")
    with django_capture_on_commit_callbacks(execute=True):
        put(teacher, lesson, student, "present")

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:  # now it has: the task, and the live page's event
            callback()

    assert not NegativeExample.objects.exists()
    assert false_presents(lesson.classroom) == {}
