"""The demo's consents are given by the students' guardians: two students accepted version 2 of the biometric
terms, two are still on version 1 (the terms' admin shows them), and one withdrew once before renewing."""

from __future__ import annotations

import datetime as dt

import pytest

from school.models import ConsentRecord, Student
from school.services.consent import current_terms, has_biometric_consent, students_on_terms_older_than
from school.services.demo import seed_demo_school

pytestmark = pytest.mark.django_db


def test_the_demo_consents_name_the_guardians_and_two_versions() -> None:
    seed_demo_school(password="demo-senha-2026", today=dt.date.today())
    seed_demo_school(password="demo-senha-2026", today=dt.date.today())  # again: nothing recorded twice

    students = list(Student.objects.all())
    assert len(students) == 4 and all(has_biometric_consent(student) for student in students)
    assert current_terms("biometric").version == "2"
    assert {s.full_name for s in students_on_terms_older_than(current_terms("biometric"))} == {
        "Barack Obama",
        "Joe Biden",
    }
    assert not ConsentRecord.objects.filter(guardian__isnull=True).exists()
    alex = [
        (record.granted, record.terms.version if record.terms else None, record.given_by)
        for record in ConsentRecord.objects.filter(student__full_name="Alex Lacamoire").order_by("recorded_at", "id")
    ]
    assert alex == [(True, "1", "Maria Lacamoire"), (False, "1", "Maria Lacamoire"), (True, "2", "Maria Lacamoire")]
    assert ConsentRecord.objects.count() == 7
