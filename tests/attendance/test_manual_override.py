from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Presence, PresenceChange
from attendance.services.sightings import record_sighting
from school.models import Lesson, Student
from tests.factories import ClassroomFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def teacher_of(lesson: Lesson) -> tuple[APIClient, object]:
    teacher = TeacherFactory(classrooms=[lesson.classroom])
    client = APIClient()
    client.force_authenticate(teacher)
    return client, teacher


def test_a_teacher_marks_a_missing_student_present_and_the_change_is_kept(lesson: Lesson, student: Student) -> None:
    client, teacher = teacher_of(lesson)

    response = client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "present"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "present" and response.json()["source"] == "manual"
    change = PresenceChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("", "present", teacher)


def test_every_manual_change_is_recorded_from_what_to_what(lesson: Lesson, student: Student) -> None:
    record_sighting(student=student, classroom=lesson.classroom, seen_at=timezone.now())
    client, _teacher = teacher_of(lesson)

    client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "late"}, format="json")
    client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "absent"}, format="json")

    assert list(PresenceChange.objects.order_by("changed_at").values_list("from_status", "to_status")) == [
        ("present", "late"),
        ("late", "absent"),
    ]
    assert Presence.objects.get().status == "absent"


def test_another_classrooms_teacher_cannot_change_presence(lesson: Lesson, student: Student) -> None:
    outsider = APIClient()
    outsider.force_authenticate(TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")]))

    response = outsider.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "present"}, format="json")

    assert response.status_code == 403
    assert not Presence.objects.exists()


def test_an_unknown_status_is_refused(lesson: Lesson, student: Student) -> None:
    client, _teacher = teacher_of(lesson)

    response = client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "sleeping"}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "invalid"
