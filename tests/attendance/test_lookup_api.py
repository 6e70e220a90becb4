from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.services.sightings import record_sighting
from school.models import Classroom, Lesson, Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def as_user(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)  # type: ignore[arg-type]
    return client


def test_a_device_looks_up_a_classroom_and_its_students(device_api: APIClient, student: Student) -> None:
    response = device_api.get("/api/classrooms/by-code/3AT.I")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "3AT.I"
    assert body["students"] == [{"id": student.pk, "registration": student.registration, "name": student.full_name}]


def test_the_current_lesson_is_created_from_the_schedule_when_asked(
    device_api: APIClient, classroom: Classroom
) -> None:
    in_session(classroom)
    Lesson.objects.all().delete()

    response = device_api.get("/api/lessons/current", {"classroom_code": "3AT.I"})

    assert response.status_code == 200
    assert response.json()["id"] == Lesson.objects.get().pk


def test_no_lesson_now_is_a_reason_code(device_api: APIClient, classroom: Classroom) -> None:
    response = device_api.get("/api/lessons/current", {"classroom_code": "3AT.I"})

    assert response.status_code == 422 and response.json()["code"] == "no_lesson"


def test_the_state_lists_present_late_and_missing(classroom: Classroom, lesson: Lesson, student: Student) -> None:
    late_student = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    missing_student = EnrollmentFactory(classroom=classroom).student
    record_sighting(student=student, classroom=classroom, seen_at=timezone.now())
    Lesson.objects.filter(pk=lesson.pk).update(start_time=lesson.start_time.replace(hour=0, minute=0))
    lesson.refresh_from_db()
    record_sighting(student=late_student, classroom=classroom, seen_at=timezone.now())
    teacher = TeacherFactory(classrooms=[classroom])

    response = as_user(teacher).get("/api/attendance/state", {"lesson_id": lesson.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"enrolled": 3, "present": 1, "late": 1, "missing": 1}
    assert body["missing"] == [missing_student.pk]
    assert body["late"] == [late_student.pk]


def test_only_the_classrooms_teachers_and_secretaries_see_its_state(lesson: Lesson) -> None:
    foreign = TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")])
    own = TeacherFactory(classrooms=[lesson.classroom])

    assert as_user(foreign).get("/api/attendance/state", {"lesson_id": lesson.pk}).status_code == 403
    assert as_user(own).get("/api/attendance/state", {"lesson_id": lesson.pk}).status_code == 200
    assert as_user(SecretaryFactory()).get("/api/attendance/state", {"lesson_id": lesson.pk}).status_code == 200
    assert APIClient().get("/api/attendance/state", {"lesson_id": lesson.pk}).status_code == 403
