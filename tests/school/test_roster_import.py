from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from school.models import Classroom, Enrollment, Student
from tests.factories import ClassroomFactory, SecretaryFactory, StudentFactory, TeacherFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GOOD = """registration,full_name,classroom,birth_date,biometric_consent,active
2024001,Barack Obama,3AT.I,2008-08-04,sim,sim
2024002,Joe  Biden,3AT.I,,não,
2024003,Lin-Manuel Miranda,2AT.I,2009-01-16,,yes
"""
# A spreadsheet saved by Excel in Brazil: semicolons, a byte order mark and day/month/year dates.
GOOD_EXCEL = "\ufeffregistration;full_name;classroom;birth_date\n2024001;Barack Obama;3AT.I;04/08/2008\n"


@pytest.fixture
def classrooms() -> list[Classroom]:
    return [ClassroomFactory(code="3AT.I"), ClassroomFactory(code="2AT.I")]


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "turma.csv"
    path.write_text(text, encoding=encoding)
    return path


def import_students(path: Path) -> str:
    out = StringIO()
    call_command("import_students", str(path), stdout=out)
    return out.getvalue()


def failed_import(path: Path) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_students", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue(), str(raised.value)


def test_a_good_file_creates_students_and_enrollments(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, GOOD)

    output = import_students(path)

    assert "imported 3 rows: 3 new students, 0 updated, 3 new enrollments" in output
    obama = Student.objects.get(registration="2024001")
    assert (obama.full_name, obama.birth_date, obama.active) == ("Barack Obama", dt.date(2008, 8, 4), True)
    assert Student.objects.get(registration="2024002").full_name == "Joe Biden"  # spaces collapsed
    assert set(Enrollment.objects.values_list("student__registration", "classroom__code", "school_year")) == {
        ("2024001", "3AT.I", classrooms[0].school_year),
        ("2024002", "3AT.I", classrooms[0].school_year),
        ("2024003", "2AT.I", classrooms[1].school_year),
    }


def test_a_semicolon_file_with_a_byte_order_mark_and_brazilian_dates_is_read(
    tmp_path: Path, classrooms: list[Classroom]
) -> None:
    path = write(tmp_path, GOOD_EXCEL)

    output = import_students(path)

    assert "imported 1 rows: 1 new students, 0 updated, 1 new enrollments" in output
    student = Student.objects.get(registration="2024001")
    assert (student.full_name, student.birth_date) == ("Barack Obama", dt.date(2008, 8, 4))


def test_importing_the_same_file_again_updates_and_adds_nothing(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, GOOD)
    import_students(path)
    write(tmp_path, GOOD.replace("Barack Obama", "Barack H. Obama"))

    output = import_students(path)

    assert "imported 3 rows: 0 new students, 3 updated, 0 new enrollments" in output
    assert (Student.objects.count(), Enrollment.objects.count()) == (3, 3)
    assert Student.objects.get(registration="2024001").full_name == "Barack H. Obama"


def test_bad_rows_are_listed_by_line_and_nothing_is_written(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(
        tmp_path,
        "registration,full_name,classroom,birth_date,biometric_consent\n"
        "2024001,Barack Obama,3AT.I,2008-08-04,sim\n"
        "2024002,Joe Biden,9ZZ.9,,\n"
        "2024003,Lin-Manuel Miranda,3AT.I,31/02/2009,\n"
        "2024004,,3AT.I,,\n"
        "2024005,Alex Lacamoire,3AT.I,,talvez\n",
    )

    errors, summary = failed_import(path)

    assert errors.splitlines() == [
        "line 3: unknown classroom 9ZZ.9",
        "line 4: birth_date 31/02/2009 is not a date (YYYY-MM-DD or DD/MM/YYYY)",
        "line 5: full_name is empty",
        "line 6: biometric_consent talvez is not yes or no",
    ]
    assert "nothing was imported: 4 error(s)" in summary
    assert not Student.objects.exists() and not Enrollment.objects.exists()


def test_a_registration_twice_in_one_file_names_both_lines(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(
        tmp_path,
        "registration,full_name,classroom\n2024001,Barack Obama,3AT.I\n2024002,Joe Biden,3AT.I\n"
        "2024001,Barack Obama,2AT.I\n",
    )

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 4: registration 2024001 already appears on line 2"]
    assert not Student.objects.exists()


def test_missing_columns_are_reported(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, "registration,full_name\n2024001,Barack Obama\n")

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 1: missing columns: classroom"]
    assert not Student.objects.exists()


def test_unknown_columns_are_reported(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, "registration,full_name,classroom,turno\n2024001,Barack Obama,3AT.I,manhã\n")

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 1: unknown columns: turno"]
    assert not Student.objects.exists()


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_an_empty_file_is_reported(tmp_path: Path, classrooms: list[Classroom], text: str) -> None:
    path = write(tmp_path, text)

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 1: the file is empty"]


def test_a_header_without_students_is_reported(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, "registration,full_name,classroom\n")

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 1: the file has no students"]


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path, classrooms: list[Classroom]) -> None:
    path = write(tmp_path, "registration,full_name,classroom\n2024001,João Conceição,3AT.I\n", encoding="latin-1")

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 1: the file is not UTF-8 text"]
    assert not Student.objects.exists()


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_students", str(tmp_path / "nowhere.csv"))


def test_consent_granted_in_the_file_is_recorded_with_its_date(tmp_path: Path, classrooms: list[Classroom]) -> None:
    StudentFactory(registration="2024002", biometric_consent=False)
    path = write(tmp_path, GOOD)

    import_students(path)

    obama = Student.objects.get(registration="2024001")
    assert obama.biometric_consent is True and obama.biometric_consent_at is not None
    biden = Student.objects.get(registration="2024002")
    assert biden.biometric_consent is False and biden.biometric_consent_at is None


def test_withdrawing_consent_through_a_file_is_refused(tmp_path: Path, classrooms: list[Classroom]) -> None:
    student = StudentFactory(registration="2024001", full_name="Barack Obama", consenting=True)
    path = write(tmp_path, "registration,full_name,classroom,biometric_consent\n2024001,Barack H. Obama,3AT.I,não\n")

    errors, _summary = failed_import(path)

    assert errors.splitlines() == ["line 2: withdrawing biometric consent must be done in the student's page"]
    student.refresh_from_db()
    assert student.biometric_consent is True and student.full_name == "Barack Obama"
    assert not Enrollment.objects.exists()


def test_image_consent_is_set_granted_withdrawn_or_kept_by_the_file(
    tmp_path: Path, classrooms: list[Classroom]
) -> None:
    StudentFactory(registration="2024002", image_consent=True)
    StudentFactory(registration="2024003", image_consent=True)
    path = write(
        tmp_path,
        "registration,full_name,classroom,image_consent\n"
        "2024001,Barack Obama,3AT.I,sim\n2024002,Joe Biden,3AT.I,não\n2024003,Lin-Manuel Miranda,2AT.I,\n"
        "2024004,Alex Lacamoire,2AT.I,\n",
    )

    import_students(path)
    errors, _summary = failed_import(
        write(tmp_path, "registration,full_name,classroom,image_consent\n2024005,Ana Souza,3AT.I,talvez\n")
    )

    consent = dict(Student.objects.values_list("registration", "image_consent"))
    assert consent == {"2024001": True, "2024002": False, "2024003": True, "2024004": False}
    assert errors.splitlines() == ["line 2: image_consent talvez is not yes or no"]


@pytest.fixture
def secretary(client: Client) -> User:
    user = SecretaryFactory()
    client.force_login(user)
    return user


def upload(client: Client, text: str) -> Any:
    csv_file = SimpleUploadedFile("turma.csv", text.encode(), content_type="text/csv")
    return client.post("/admin/school/student/import/", {"file": csv_file}, follow=True)


def test_a_secretary_imports_a_file_in_the_admin(client: Client, secretary: User, classrooms: list[Classroom]) -> None:
    response = upload(client, GOOD)

    assert response.redirect_chain == [("/admin/school/student/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Imported 3 rows: 3 new students, 0 updated, 3 new enrollments."
    ]
    assert Student.objects.count() == 3
    assert Student.objects.get(registration="2024001").biometric_consent_by == secretary


def test_an_admin_import_with_errors_lists_them_and_writes_nothing(
    client: Client, secretary: User, classrooms: list[Classroom]
) -> None:
    response = upload(client, "registration,full_name,classroom\n2024001,Barack Obama,3AT.I\n2024002,Joe Biden,9ZZ\n")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-errors"' in content
    assert "<li>line 3: unknown classroom 9ZZ</li>" in content
    assert "Nothing was imported" in content
    assert not Student.objects.exists()


def test_the_import_page_is_refused_to_a_teacher_only_allowed_to_view(client: Client) -> None:
    teacher = TeacherFactory(is_staff=True)
    client.force_login(teacher)

    response = client.get("/admin/school/student/import/")

    assert response.status_code == 403
