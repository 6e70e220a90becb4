"""A student's report over a period: frequency per subject and overall, the minimum flagged, and the lessons missed
(date, subject, absent or justified)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.attendance.diary_school import build_school, month_period

pytestmark = pytest.mark.django_db


def test_frequency_per_subject_and_overall_with_the_lessons_missed(django_assert_max_num_queries: Any) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    with django_assert_max_num_queries(10):
        response = client.get("/api/reports/students/1001", month_period(school.month))

    assert response.status_code == 200
    body = response.json()
    subjects = {
        s["subject"]: (s["held"], s["present"], s["late"], s["justified"], s["frequency"], s["below_minimum"])
        for s in body["subjects"]
    }
    assert subjects == {"Matemática": (2, 1, 0, 1, 50.0, True), "Português": (2, 1, 1, 0, 100.0, False)}
    assert (body["held"], body["frequency"], body["below_minimum"]) == (4, 75.0, False)
    assert body["missed"] == [
        {
            "lesson_id": school.lessons[2].pk,
            "date": school.lessons[2].date.isoformat(),
            "classroom": "3AT.I",
            "subject": "Matemática",
            "mark": "justified",
        }
    ]


def test_a_student_below_the_minimum_and_every_absence() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    body = client.get("/api/reports/students/1002", month_period(school.month)).json()

    assert {s["subject"]: s["frequency"] for s in body["subjects"]} == {"Matemática": 50.0, "Português": 0.0}
    assert (body["frequency"], body["below_minimum"]) == (25.0, True)
    assert [(m["subject"], m["mark"]) for m in body["missed"]] == [
        ("Português", "absent"),
        ("Matemática", "absent"),
        ("Português", "absent"),
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [({"from": "2026-02-30"}, "invalid_date"), ({"from": "2026-03-10", "to": "2026-03-01"}, "invalid_period")],
)
def test_a_bad_period_is_a_400_with_a_reason(query: dict[str, str], code: str) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    response = client.get("/api/reports/students/1001", query)

    assert response.status_code == 400 and response.json()["code"] == code


def test_the_student_page_shows_each_subject(client: Any) -> None:
    school = build_school()
    client.force_login(school.teacher)

    response = client.get("/reports/students/1001/", month_period(school.month), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-subject="Matemática"' in page and 'data-subject="Português"' in page
    assert 'id="student-frequency">75.0%' in page
    assert "/api/reports/students/1001.csv?from=" in page and "/api/reports/students/1001.pdf?from=" in page
