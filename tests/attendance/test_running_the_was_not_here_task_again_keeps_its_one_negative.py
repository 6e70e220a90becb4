"""The task that learns from a teacher's "was not here" may run twice for the same change (a redelivered message,
a retry): the second run keeps the one negative example, and the matcher is not rebuilt for nothing."""

from __future__ import annotations

import pytest

from attendance.models import PresenceChange
from attendance.services.quality import false_presents
from attendance.tasks import record_not_here
from recognition.models import NegativeExample
from recognition.services.index import index_version
from school.models import Lesson, Student
from tests.attendance.not_here import Capture, api_as, kiosk_marks_with_bidens_face, put
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_running_the_task_again_for_the_same_change_changes_nothing(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    kiosk_marks_with_bidens_face(lesson, student)
    with django_capture_on_commit_callbacks(execute=True):
        put(api_as(TeacherFactory(classrooms=[lesson.classroom])), lesson, student, "absent")
    change = PresenceChange.objects.get()
    before = list(NegativeExample.objects.values_list("pk", "encoding", "origin", "created_at"))
    version = index_version()

    with django_capture_on_commit_callbacks(execute=True):
        kept = record_not_here.delay(change.pk).get()

    assert kept is True
    assert len(before) == 1
    assert list(NegativeExample.objects.values_list("pk", "encoding", "origin", "created_at")) == before
    assert index_version() == version
    assert false_presents(lesson.classroom) == {student.pk: 1}
