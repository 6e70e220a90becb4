"""A classroom's month diary: every enrolled student by the month's held lessons, with present/late/absent/justified
counts, frequency (attended, late included, over held, one decimal) and the students below the minimum, in a fixed
number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.attendance.diary_school import build_school
from tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def diary(client: APIClient, code: str, month: str) -> Any:
    return client.get(f"/api/reports/classrooms/{code}/diary", {"month": month})


def test_the_diary_counts_each_mark_and_flags_who_is_below_the_minimum() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    response = diary(client, "3AT.I", f"{school.month:%Y-%m}")

    assert response.status_code == 200
    body = response.json()
    assert [lesson["lesson_id"] for lesson in body["lessons"]] == [lesson.pk for lesson in school.lessons]
    assert [lesson["subject"] for lesson in body["lessons"]] == ["Matemática", "Português", "Matemática", "Português"]
    students = {student["registration"]: student for student in body["students"]}
    assert list(students) == ["1002", "1003", "1001"]  # by name: Bruno, Carla, Conceição; not the other year's
    counts = {
        registration: (s["present"], s["late"], s["absent"], s["justified"], s["frequency"], s["below_minimum"])
        for registration, s in students.items()
    }
    assert counts == {
        "1001": (2, 1, 0, 1, 75.0, False),
        "1002": (1, 0, 3, 0, 25.0, True),
        "1003": (4, 0, 0, 0, 100.0, False),
    }
    assert [entry["mark"] for entry in students["1001"]["lessons"]] == ["present", "late", "justified", "present"]
    assert [entry["mark"] for entry in students["1002"]["lessons"]] == ["present", "absent", "absent", "absent"]
    assert students["1001"]["name"] == "Conceição Ângela"
    assert body["totals"]["held"] == 12 and body["totals"]["frequency"] == 66.7  # 8 attended of 12
    assert body["minimum"] == 75.0


def test_the_minimum_comes_from_the_settings(settings: Any) -> None:
    settings.MIN_ATTENDANCE_PERCENT = 80
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    students = diary(client, "3AT.I", f"{school.month:%Y-%m}").json()["students"]

    assert {s["registration"]: s["below_minimum"] for s in students} == {"1001": True, "1002": True, "1003": False}


def test_the_diary_takes_the_same_queries_for_three_students_or_thirty(django_assert_max_num_queries: Any) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)
    month = f"{school.month:%Y-%m}"
    with django_assert_max_num_queries(10) as few:
        assert diary(client, "3AT.I", month).status_code == 200
    for _ in range(27):
        EnrollmentFactory(classroom=school.classroom, student=StudentFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(diary(client, "3AT.I", month).json()["students"]) == 30


@pytest.mark.parametrize("month", ["2026-13", "março", "2026-3-1"])
def test_a_bad_month_is_a_400_with_a_reason(month: str) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    response = diary(client, "3AT.I", month)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_month"


def test_the_diary_page_shows_the_grid_with_downloads(client: Any) -> None:
    school = build_school()
    client.force_login(school.teacher)
    month = f"{school.month:%Y-%m}"

    response = client.get(f"/reports/classrooms/3AT.I/diary/?month={month}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-registration="1002"' in page and "Conceição Ângela" in page
    assert f"/api/reports/classrooms/3AT.I/diary.csv?month={month}" in page
    assert f"/api/reports/classrooms/3AT.I/diary.pdf?month={month}" in page
    assert "attendance/reports.css" in page  # its @media print hides the navigation and buttons
    assert 'id="diary-frequency">66.7%' in page


def test_my_classes_links_to_the_diary(client: Any) -> None:
    school = build_school()
    client.force_login(school.teacher)

    page = client.get("/classes/").content.decode()

    assert "/reports/classrooms/3AT.I/diary/" in page and "/reports/" in page
