"""A teacher's "was not here" after the kiosk (or a camera) marked a student keeps the sighting's face as a
negative example of the student, and counts one false present for the student in the classroom."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import pytest
from django.test import Client
from rest_framework.test import APIClient

from attendance.services.quality import false_presents
from attendance.services.sightings import record_sighting
from recognition.engine import load_image
from recognition.models import ENCODING_DTYPE, NegativeExample
from recognition.services.engine import get_detector
from school.models import Lesson, Student
from tests.factories import TeacherFactory
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


def put(client: APIClient, lesson: Lesson, student: Student, status: str) -> Any:
    return client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": status}, format="json")


def test_was_not_here_after_the_kiosk_keeps_its_face_as_a_negative_and_counts_a_false_present(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    crop = fixture_bytes("biden.jpg")  # the kiosk took Biden for this student
    record_sighting(student=student, classroom=lesson.classroom, crop_jpeg=crop, source="kiosk", distance=0.45)
    teacher = TeacherFactory(classrooms=[lesson.classroom])
    client = APIClient()
    client.force_authenticate(teacher)

    with django_capture_on_commit_callbacks(execute=True):
        response = put(client, lesson, student, "absent")

    assert response.status_code == 200
    negative = NegativeExample.objects.get()
    assert negative.student == student and negative.source == NegativeExample.Source.TEACHER_NOT_HERE
    assert negative.created_by == teacher
    [biden] = get_detector().detect_and_encode(load_image(crop))[1]
    assert np.linalg.norm(np.frombuffer(bytes(negative.encoding), ENCODING_DTYPE) - biden) < 0.01
    assert false_presents(lesson.classroom) == {student.pk: 1}


def test_a_teachers_own_changes_are_no_false_present(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    client = APIClient()
    client.force_authenticate(TeacherFactory(classrooms=[lesson.classroom]))

    with django_capture_on_commit_callbacks(execute=True):
        put(client, lesson, student, "present")
        put(client, lesson, student, "absent")

    assert not NegativeExample.objects.exists()
    assert false_presents(lesson.classroom) == {}


def test_the_classrooms_live_page_shows_its_false_presents(
    lesson: Lesson, student: Student, django_capture_on_commit_callbacks: Capture
) -> None:
    record_sighting(
        student=student, classroom=lesson.classroom, crop_jpeg=fixture_bytes("biden.jpg"), source="kiosk", distance=0.45
    )
    teacher = TeacherFactory(classrooms=[lesson.classroom])
    client = APIClient()
    client.force_authenticate(teacher)
    browser = Client()
    browser.force_login(teacher)
    page_before = browser.get(f"/classes/{lesson.classroom.code}/live/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        put(client, lesson, student, "absent")
    page = browser.get(f"/classes/{lesson.classroom.code}/live/").content.decode()

    assert f'data-student-id="{student.pk}"' not in page_before.split('id="false-presents"')[1]
    figure = page.split('id="false-presents"')[1].split("</section>")[0]
    assert f'<li data-student-id="{student.pk}">{student.full_name}: <strong>1</strong></li>' in figure
