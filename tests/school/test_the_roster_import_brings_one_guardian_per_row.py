"""The roster CSV may carry one guardian per row (guardian_name, _relation, _email, _phone, _notifications). A bad
e-mail is an error with its line, and nothing is imported; importing the file again updates the guardians (matched
by name or e-mail) instead of adding them twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from school.models import Classroom, Guardian, Student
from school.services.roster_import import RosterImportError, import_roster
from tests.factories import ClassroomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WITH_GUARDIANS = """registration;full_name;classroom;guardian_name;guardian_relation;guardian_email;guardian_phone;\
guardian_notifications
2024001;Bruno Lima;3AT.I;Maria  Lima;mãe;maria@example.com;(11) 98888-7777;sim
2024002;Carla Dias;3AT.I;José Dias;pai;;;não
2024003;Davi Souza;3AT.I;;;;;
"""


@pytest.fixture
def classroom() -> Classroom:
    return ClassroomFactory(code="3AT.I")


def guardians() -> set[tuple[str, str, str, str, str, bool]]:
    return set(
        Guardian.objects.values_list("student__registration", "name", "relation", "email", "phone", "notifications")
    )


def test_each_row_brings_its_guardian(classroom: Classroom) -> None:
    report = import_roster(WITH_GUARDIANS)

    assert (report.rows, report.guardians_created, report.guardians_updated) == (3, 2, 0)
    assert guardians() == {
        ("2024001", "Maria Lima", "mãe", "maria@example.com", "(11) 98888-7777", True),
        ("2024002", "José Dias", "pai", "", "", False),
    }


def test_importing_again_updates_the_guardian_matched_by_name_or_email(classroom: Classroom) -> None:
    import_roster(WITH_GUARDIANS)
    again = WITH_GUARDIANS.replace("Maria  Lima;mãe", "Maria Souza Lima;mãe").replace(";;;não", ";jose@example.com;;")

    report = import_roster(again)

    assert (report.guardians_created, report.guardians_updated) == (0, 2)
    assert guardians() == {
        ("2024001", "Maria Souza Lima", "mãe", "maria@example.com", "(11) 98888-7777", True),  # same e-mail
        ("2024002", "José Dias", "pai", "jose@example.com", "", False),  # same name; empty keeps the choice
    }


def test_a_bad_email_is_an_error_with_its_line_and_nothing_is_imported(classroom: Classroom) -> None:
    bad = WITH_GUARDIANS.replace(";;;não", ";jose@;;não").replace("(11) 98888-7777;sim", "(11) 98888-7777;talvez")

    with pytest.raises(RosterImportError) as raised:
        import_roster(bad)

    assert [str(error) for error in raised.value.errors] == [
        "line 2: guardian_notifications talvez is not yes or no",
        "line 3: guardian_email jose@ is not an e-mail address",
    ]
    assert not Student.objects.exists() and not Guardian.objects.exists()


def test_guardian_details_without_a_name_are_an_error(classroom: Classroom) -> None:
    with pytest.raises(RosterImportError) as raised:
        import_roster("registration,full_name,classroom,guardian_email\n2024001,Bruno Lima,3AT.I,maria@example.com\n")

    assert [str(error) for error in raised.value.errors] == [
        "line 2: guardian_name is empty but the row has other guardian columns"
    ]


def test_the_admin_import_reports_the_guardians(client: Client, admin_user: User, classroom: Classroom) -> None:
    client.force_login(admin_user)
    csv_file = SimpleUploadedFile("turma.csv", WITH_GUARDIANS.encode(), content_type="text/csv")

    response = client.post("/admin/school/student/import/", {"file": csv_file}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Imported 3 rows: 3 new students, 0 updated, 3 new enrollments.",
        "Guardians: 2 new, 0 updated.",
    ]
    assert Guardian.objects.count() == 2


def test_the_students_admin_page_edits_its_guardians_inline(client: Client, admin_user: User, **_: Any) -> None:
    student = Student.objects.create(full_name="Bruno Lima", registration="2024001")
    Guardian.objects.create(student=student, name="Maria Lima", email="maria@example.com")
    client.force_login(admin_user)

    page = client.get(f"/admin/school/student/{student.pk}/change/")
    listing = client.get("/admin/school/guardian/", {"q": "maria@"})

    assert page.status_code == 200 and 'value="Maria Lima"' in page.content.decode()
    assert listing.status_code == 200 and "Maria Lima" in listing.content.decode()
