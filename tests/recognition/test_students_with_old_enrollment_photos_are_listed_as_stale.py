"""Enrollment freshness: students whose newest usable photo is older than ENROLLMENT_MAX_AGE_DAYS are listed, and
those with no usable photo apart; the staff API and the student list's filter show them."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from recognition.services.freshness import stale_enrollments
from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory

ENCODING = bytes(512)


def photo(student: Student, days_old: int, status: str = FacePhoto.Status.READY) -> FacePhoto:
    made = FacePhoto.objects.create(
        student=student,
        content_hash=f"{student.pk}-{days_old}-{status}".ljust(64, "x"),
        status=status,
        encoding=ENCODING if status == FacePhoto.Status.READY else None,
    )
    FacePhoto.objects.filter(pk=made.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    return made


def school(db: None) -> dict[str, Student]:
    students = {
        name: StudentFactory(consenting=True, full_name=name)
        for name in ("Zeferino", "Quiteria", "Sem Foto", "Bartolomeu")
    }
    photo(students["Zeferino"], 400)
    photo(students["Zeferino"], 380)
    photo(students["Quiteria"], 500)
    photo(students["Quiteria"], 10)  # one recent photo is enough
    photo(students["Bartolomeu"], 400)
    photo(students["Bartolomeu"], 5, status=FacePhoto.Status.REJECTED)  # not usable: does not refresh
    left = StudentFactory(consenting=True, full_name="Left", active=False)
    photo(left, 400)
    return students


def test_the_stale_list_holds_old_usable_photos_only_and_students_without_any_apart(db: None) -> None:
    students = school(db)

    report = stale_enrollments()

    assert [entry.student.full_name for entry in report.stale] == ["Bartolomeu", "Zeferino"]  # oldest first
    ages = {entry.student.full_name: entry.age_days for entry in report.stale}
    assert ages == {"Zeferino": 380, "Bartolomeu": 400}
    assert [student.pk for student in report.no_usable_photo] == [students["Sem Foto"].pk]


def test_a_shorter_maximum_age_lists_more_students(db: None, settings: object) -> None:
    school(db)
    settings.ENROLLMENT_MAX_AGE_DAYS = 7  # type: ignore[attr-defined]

    assert {entry.student.full_name for entry in stale_enrollments().stale} == {"Zeferino", "Quiteria", "Bartolomeu"}


def test_the_api_lists_them_for_secretaries_and_refuses_teachers(db: None) -> None:
    school(db)
    client = APIClient()
    client.force_authenticate(SecretaryFactory())

    body = client.get("/api/students/stale-enrollments").json()

    assert body["max_age_days"] == 365
    assert [entry["name"] for entry in body["stale"]] == ["Bartolomeu", "Zeferino"]  # oldest first
    assert body["stale"][0]["age_days"] == 400
    assert body["stale"][0]["pending_proposal"] is False
    assert [entry["name"] for entry in body["no_usable_photo"]] == ["Sem Foto"]
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())
    assert teacher.get("/api/students/stale-enrollments").status_code == 403
    assert APIClient().get("/api/students/stale-enrollments").status_code in (401, 403)


def test_the_student_list_filters_stale_enrollments(db: None) -> None:
    school(db)
    client = Client()
    client.force_login(SecretaryFactory())

    page = client.get("/admin/school/student/", {"enrollment_age": "stale"}).content.decode()

    assert "Bartolomeu" in page and "Zeferino" in page
    assert "Quiteria" not in page
