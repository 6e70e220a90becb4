from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from attendance.services.justifications import record_justification
from attendance.services.roll import close_roll
from tests.factories import EnrollmentFactory, LessonFactory, SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_rolls_are_listed_and_cannot_be_added_or_changed(client: Client) -> None:
    lesson = LessonFactory(date=timezone.localdate() - dt.timedelta(days=1))
    EnrollmentFactory(classroom=lesson.classroom)
    roll = close_roll(lesson)
    client.force_login(SecretaryFactory(is_superuser=True))

    listing = client.get("/admin/attendance/roll/")

    assert listing.status_code == 200 and str(lesson) in listing.content.decode()
    assert client.get("/admin/attendance/roll/add/").status_code == 403
    detail = client.get(f"/admin/attendance/roll/{roll.pk}/change/").content.decode()
    assert 'name="absences_recorded"' not in detail  # read only
    assert client.post(f"/admin/attendance/roll/{roll.pk}/delete/").status_code == 403


def test_justifications_are_found_by_student() -> None:
    client = Client()
    secretary = SecretaryFactory(is_superuser=True)
    ana, bia = StudentFactory(full_name="Ana Souza"), StudentFactory(full_name="Beatriz Lima")
    for student in (ana, bia):
        record_justification(student, dt.date(2026, 3, 9), dt.date(2026, 3, 10), "Atestado", by=secretary)
    client.force_login(secretary)

    page = client.get("/admin/attendance/justification/", {"q": "Souza"}).content.decode()

    assert "Ana Souza" in page and "Beatriz Lima" not in page
