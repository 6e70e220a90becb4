from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from attendance.models import AttendanceLog, Presence
from attendance.services.manual import set_presence
from attendance.services.sightings import record_sighting
from cameras.models import Camera
from school.models import Classroom, Lesson, Student
from tests.factories import ClassroomFactory, EnrollmentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_day_lesson(classroom: Classroom) -> Lesson:
    """Today's lesson from midnight: any time now is well after its start (late arrivals are easy to make)."""
    return Lesson.objects.create(
        classroom=classroom,
        date=timezone.localdate(),
        start_time=dt.time(0, 0),
        end_time=dt.time(23, 59, 59),
        subject="Física",
    )


@pytest.fixture
def camera(classroom: Classroom) -> Camera:
    return Camera.objects.create(name="Frente", classroom=classroom, stream_url="http://127.0.0.1:1/stream")


def test_the_first_sighting_marks_the_student_present_with_evidence(
    lesson: Lesson, student: Student, camera: Camera
) -> None:
    seen_at = timezone.now()

    sighting = record_sighting(
        student=student,
        classroom=lesson.classroom,
        seen_at=seen_at,
        distance=0.31,
        camera=camera,
        crop_jpeg=b"\xff\xd8x",
    )

    assert sighting.created and sighting.lesson == lesson
    presence = Presence.objects.get()
    assert (presence.status, presence.source, presence.first_seen, presence.last_seen) == (
        "present",
        "camera",
        seen_at,
        seen_at,
    )
    assert presence.evidence == sighting.log and sighting.log is not None
    assert sighting.log.distance == 0.31 and sighting.log.crop.read() == b"\xff\xd8x"


def test_arriving_after_the_late_limit_marks_the_student_late(
    classroom: Classroom, student: Student, all_day_lesson: Lesson
) -> None:
    lesson = all_day_lesson
    on_time = lesson.starts_at + dt.timedelta(minutes=9)
    late = lesson.starts_at + dt.timedelta(minutes=11)
    other = EnrollmentFactory(classroom=classroom, student__consenting=True).student

    record_sighting(student=student, classroom=classroom, seen_at=on_time)
    record_sighting(student=other, classroom=classroom, seen_at=late)

    assert Presence.objects.get(student=student).status == "present"
    assert Presence.objects.get(student=other).status == "late"


def test_later_sightings_extend_the_presence_without_a_second_row(lesson: Lesson, student: Student) -> None:
    first = timezone.now() - dt.timedelta(minutes=2)
    record_sighting(student=student, classroom=lesson.classroom, seen_at=first)

    again = record_sighting(student=student, classroom=lesson.classroom, seen_at=first + dt.timedelta(minutes=1))

    assert not again.created
    presence = Presence.objects.get()
    assert (presence.first_seen, presence.last_seen) == (first, first + dt.timedelta(minutes=1))
    assert AttendanceLog.objects.count() == 2


def test_a_repeat_by_the_same_camera_inside_the_window_is_not_logged_again(
    lesson: Lesson, student: Student, camera: Camera
) -> None:
    first = timezone.now() - dt.timedelta(seconds=50)
    record_sighting(student=student, classroom=lesson.classroom, seen_at=first, camera=camera, dedup_seconds=60)

    repeat = record_sighting(
        student=student,
        classroom=lesson.classroom,
        seen_at=first + dt.timedelta(seconds=30),
        camera=camera,
        dedup_seconds=60,
    )
    after_window = record_sighting(
        student=student,
        classroom=lesson.classroom,
        seen_at=first + dt.timedelta(seconds=61),
        camera=camera,
        dedup_seconds=60,
    )

    assert repeat.log is None and after_window.log is not None
    assert AttendanceLog.objects.count() == 2
    assert Presence.objects.get().last_seen == first + dt.timedelta(seconds=61)


def test_a_sighting_outside_every_lesson_is_logged_but_marks_nobody(student: Student, classroom: Classroom) -> None:
    sighting = record_sighting(student=student, classroom=classroom, seen_at=timezone.now())

    assert sighting.lesson is None and sighting.presence is None
    assert AttendanceLog.objects.filter(lesson=None).count() == 1
    assert not Presence.objects.exists()


def test_a_camera_never_overrides_a_teachers_decision(lesson: Lesson, student: Student, camera: Camera) -> None:
    teacher: User = TeacherFactory()
    set_presence(lesson, student, "absent", by=teacher)  # type: ignore[arg-type]

    record_sighting(student=student, classroom=lesson.classroom, seen_at=timezone.now(), camera=camera)

    presence = Presence.objects.get()
    assert (presence.status, presence.source) == ("absent", "manual")


def test_an_earlier_sighting_arriving_late_moves_the_arrival_back(
    classroom: Classroom, student: Student, all_day_lesson: Lesson
) -> None:
    lesson = all_day_lesson
    record_sighting(student=student, classroom=classroom, seen_at=lesson.starts_at + dt.timedelta(minutes=30))
    assert Presence.objects.get().status == "late"

    # A second camera's queue was behind: it saw the student at the start of the lesson.
    record_sighting(student=student, classroom=classroom, seen_at=lesson.starts_at + dt.timedelta(minutes=1))

    presence = Presence.objects.get()
    assert presence.status == "present"
    assert presence.first_seen == lesson.starts_at + dt.timedelta(minutes=1)


def test_a_sighting_in_another_classroom_marks_nothing_there(lesson: Lesson, student: Student) -> None:
    elsewhere = ClassroomFactory(code="1BT.I")

    sighting = record_sighting(student=student, classroom=elsewhere, seen_at=timezone.now())

    assert sighting.presence is None
