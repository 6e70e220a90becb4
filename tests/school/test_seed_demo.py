from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from recognition.models import FacePhoto, Gallery, PhotoJob
from school.models import Classroom, Enrollment, LessonSchedule, Student
from school.services.lessons import current_lesson
from tests.markers import committing_db

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-senha-2026"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (User, Classroom, Student, Enrollment, LessonSchedule))


def test_the_demo_school_has_the_classroom_its_consenting_students_and_their_enrollments() -> None:
    seed(password=DEMO_PASSWORD)

    classroom = Classroom.objects.get(code="3AT.I")
    students = Student.objects.order_by("registration")
    assert [s.full_name for s in students] == ["Barack Obama", "Joe Biden", "Lin-Manuel Miranda", "Alex Lacamoire"]
    assert all(s.biometric_consent and s.biometric_consent_at is not None for s in students)
    assert set(classroom.enrollments.values_list("student__registration", flat=True)) == {
        "2024001",
        "2024002",
        "2024003",
        "2024004",
    }


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 23, 0, 30),  # Monday
        dt.datetime(2026, 11, 24, 9, 0),  # Tuesday
        dt.datetime(2026, 11, 26, 13, 0),  # Thursday
        dt.datetime(2026, 11, 28, 20, 0),  # Saturday
        dt.datetime(2026, 11, 29, 23, 59),  # Sunday
    ],
)
def test_a_demo_lesson_is_in_progress_at_any_time_of_any_day(moment: dt.datetime) -> None:
    seed(password=DEMO_PASSWORD)
    classroom = Classroom.objects.get(code="3AT.I")

    lesson = current_lesson(classroom, moment.replace(tzinfo=SAO_PAULO))

    assert lesson is not None
    assert lesson.date == moment.date() and lesson.start_time <= moment.time() < lesson.end_time


def test_the_demo_admin_teacher_and_dpo_log_in_with_the_printed_password(client: Client) -> None:
    output = seed(password=DEMO_PASSWORD)

    assert f"admin login:   admin / {DEMO_PASSWORD}" in output
    assert f"teacher login: professora / {DEMO_PASSWORD}" in output
    assert f"DPO login:     dpo / {DEMO_PASSWORD}" in output
    assert client.login(request=HttpRequest(), username="admin", password=DEMO_PASSWORD)
    assert Client().login(request=HttpRequest(), username="professora", password=DEMO_PASSWORD)
    assert client.get("/admin/school/student/").status_code == 200
    dpo = Client()
    assert dpo.login(request=HttpRequest(), username="dpo", password=DEMO_PASSWORD)
    assert dpo.get("/admin/school/accesslog/").status_code == 200


@committing_db  # the demo photos are encoded once their upload commits
def test_seeding_twice_creates_no_duplicates() -> None:
    seed(password=DEMO_PASSWORD)
    before = counts()

    output = seed(password=DEMO_PASSWORD)

    assert counts() == before == (3, 1, 4, 4, 28)
    assert FacePhoto.objects.filter(status="ready").count() == 4
    assert "Demo school ready: classroom 3AT.I with 4 students, 4 with an enrolled face." in output
    assert "gallery:       Festa junina with 4 photos to process" in output
    assert f"admin login:   admin / {DEMO_PASSWORD}" in output


def test_without_a_password_one_is_made_once_and_kept(settings: Any, tmp_path: Path, client: Client) -> None:
    settings.VAR_DIR = tmp_path

    first = seed()
    second = seed()

    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert f"admin / {password}" in first and f"admin / {password}" in second
    assert client.login(request=HttpRequest(), username="admin", password=password)


def test_the_demo_has_an_event_gallery_of_the_classroom_waiting_to_be_processed() -> None:
    seed(password=DEMO_PASSWORD)

    gallery = Gallery.objects.get()
    assert list(gallery.classrooms.values_list("code", flat=True)) == ["3AT.I"]
    assert gallery.photos.count() == 4
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.PENDING}
