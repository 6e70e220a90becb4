"""Reports download as CSV the way Excel in pt-BR opens them: UTF-8 with a BOM, ';'-separated, translated headers,
decimal commas."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.attendance.diary_school import build_school, month_period

pytestmark = pytest.mark.django_db


def read(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_diary_csv_in_portuguese() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    response = client.get(
        "/api/reports/classrooms/3AT.I/diary.csv", {"month": f"{school.month:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="pt-br"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read(response.content)
    assert header[:2] == ["Matrícula", header[1]] and header[3:6] == ["Presente", "Atrasado", "Ausente"]
    assert len(header) == 9 + 4  # the totals, then one column per lesson
    assert header[9].endswith("07:30 Matemática")
    by_registration = {row[0]: row for row in rows}
    assert by_registration["1001"][1] == "Conceição Ângela"
    assert by_registration["1001"][2:8] == ["4", "2", "1", "0", "1", "75,0"]
    assert by_registration["1002"][7] == "25,0"
    assert by_registration["1002"][10:13] == ["Ausente", "Ausente", "Ausente"]


def test_the_diary_csv_in_english() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    content = client.get(
        "/api/reports/classrooms/3AT.I/diary.csv", {"month": f"{school.month:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content

    header, *rows = read(content)
    assert header[:9] == [
        "Registration",
        "Name",
        "Lessons held",
        "Present",
        "Late",
        "Absent",
        "Justified",
        "Frequency (%)",
        "Below the minimum",
    ]
    assert {row[0]: row[7:9] for row in rows}["1002"] == ["25.0", "yes"]
    assert {row[0]: row[9:] for row in rows}["1001"] == ["Present", "Late", "Justified", "Present"]


def test_the_student_csv_has_a_row_per_subject_and_the_missed_lessons() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    content = client.get(
        "/api/reports/students/1001.csv", month_period(school.month), HTTP_ACCEPT_LANGUAGE="en"
    ).content

    header, *rows = read(content)
    assert header[0] == "Subject"
    assert [row[0] for row in rows[:3]] == ["Matemática", "Português", "All subjects"]
    assert rows[0][6] == "50.0" and rows[2][6] == "75.0"
    assert rows[5][0] == "Matemática" and rows[5][3] == "Justified"


def test_the_school_csv_has_a_row_per_student_and_classroom(django_assert_max_num_queries: Any) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    with django_assert_max_num_queries(12):
        response = client.get("/api/reports/school.csv", month_period(school.month), HTTP_ACCEPT_LANGUAGE="en")

    header, *rows = read(response.content)
    assert header[:3] == ["Classroom", "Registration", "Name"]
    assert [(row[0], row[1], row[8]) for row in rows] == [
        ("2BT.I", "2001", "100.0"),
        ("3AT.I", "1002", "25.0"),
        ("3AT.I", "1003", "100.0"),
        ("3AT.I", "1001", "75.0"),
    ]
    assert rows[1][9] == "yes"
