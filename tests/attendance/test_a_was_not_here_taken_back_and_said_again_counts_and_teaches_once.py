"""A teacher who says "was not here", takes it back (present), then says it again (absent) ends where the first
"was not here" left things: one negative example of the sighting's face, one false present."""

from __future__ import annotations

import pytest

from attendance.models import PresenceChange
from attendance.services.quality import false_presents
from recognition.models import NegativeExample
from school.models import Lesson, Student
from tests.attendance.not_here import Capture, api_as, kiosk_marks_with_bidens_face, put
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_absent_present_absent_again_keeps_one_negative_and_one_false_present(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    kiosk_marks_with_bidens_face(lesson, student)
    teacher = api_as(TeacherFactory(classrooms=[lesson.classroom]))

    for status in ("absent", "present", "absent"):
        with django_capture_on_commit_callbacks(execute=True):
            put(teacher, lesson, student, status)

    first = PresenceChange.objects.order_by("pk").first()
    assert first is not None
    assert list(NegativeExample.objects.values_list("student_id", "origin")) == [
        (student.pk, f"presence change {first.pk}")
    ]
    assert false_presents(lesson.classroom) == {student.pk: 1}
