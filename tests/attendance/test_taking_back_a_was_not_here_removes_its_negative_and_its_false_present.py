"""A teacher's mistaken "was not here", taken back by marking the student present (or late) again, by the teacher
or a secretary, stops teaching the matcher: its negative example goes, the matcher's index is rebuilt, and it no
longer counts as a false present of the classroom."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from attendance.models import PresenceChange
from attendance.services.quality import false_presents
from recognition.models import NegativeExample
from recognition.services.index import index_version
from school.models import Classroom, Lesson, Student
from tests.attendance.not_here import Capture, api_as, kiosk_marks_with_bidens_face, put
from tests.factories import EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def the_teacher(classroom: Classroom) -> User:
    return TeacherFactory(classrooms=[classroom])


def a_secretary(classroom: Classroom) -> User:
    return SecretaryFactory()


@pytest.mark.parametrize(
    ("taken_back_by", "status"), [(the_teacher, "present"), (the_teacher, "late"), (a_secretary, "present")]
)
def test_marking_the_student_present_again_withdraws_the_negative_and_the_false_present(
    lesson: Lesson,
    student: Student,
    django_capture_on_commit_callbacks: Capture,
    taken_back_by: Callable[[Classroom], User],
    status: str,
) -> None:
    kiosk_marks_with_bidens_face(lesson, student)
    with django_capture_on_commit_callbacks(execute=True):
        put(api_as(the_teacher(lesson.classroom)), lesson, student, "absent")
    assert NegativeExample.objects.count() == 1
    assert false_presents(lesson.classroom) == {student.pk: 1}
    version = index_version()

    with django_capture_on_commit_callbacks(execute=True):
        put(api_as(taken_back_by(lesson.classroom)), lesson, student, status)

    assert not NegativeExample.objects.exists()
    assert index_version() > version  # every process rebuilds its matcher without the wrong negative
    assert false_presents(lesson.classroom) == {}


def test_taking_back_one_students_was_not_here_keeps_another_students(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    other = EnrollmentFactory(
        classroom=lesson.classroom, student=StudentFactory(full_name="Renée Elise Goldsberry", consenting=True)
    ).student
    teacher = api_as(the_teacher(lesson.classroom))
    for each in (student, other):
        kiosk_marks_with_bidens_face(lesson, each)
        with django_capture_on_commit_callbacks(execute=True):
            put(teacher, lesson, each, "absent")

    with django_capture_on_commit_callbacks(execute=True):
        put(teacher, lesson, student, "present")

    assert false_presents(lesson.classroom) == {other.pk: 1}
    change = PresenceChange.objects.get(presence__student=other)
    assert list(NegativeExample.objects.values_list("student_id", "origin")) == [
        (other.pk, f"presence change {change.pk}")
    ]
