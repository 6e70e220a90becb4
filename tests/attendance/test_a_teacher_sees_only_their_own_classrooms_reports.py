"""Reports are for a classroom's teachers and the secretaries: a teacher gets no other classroom's diary nor a
student of another classroom, in the API (403) or on the pages (403); someone who is not logged in goes to the login
page; the school's figures of a teacher are their own classrooms'."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.attendance.diary_school import build_school, month_period
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = [
    "/api/reports/classrooms/2BT.I/diary",
    "/api/reports/classrooms/2BT.I/diary.csv",
    "/api/reports/classrooms/2BT.I/diary.pdf",
    "/api/reports/students/2001",
    "/api/reports/students/2001.csv",
    "/api/reports/students/2001.pdf",
]
PAGES = ["/reports/classrooms/2BT.I/diary/", "/reports/students/2001/"]


@pytest.mark.parametrize("url", API)
def test_the_api_refuses_another_classrooms_reports(url: str) -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", API)
def test_that_classrooms_teacher_and_the_secretaries_get_them(url: str) -> None:
    school = build_school()
    for user in (school.other_teacher, school.secretary):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*API, "/api/reports/school.csv"])
def test_a_user_who_is_neither_teacher_nor_secretary_is_refused(url: str) -> None:
    build_school()
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_refuse_another_classrooms_teacher(client: Any, url: str) -> None:
    school = build_school()
    client.force_login(school.teacher)

    assert client.get(url).status_code == 403
    client.force_login(school.other_teacher)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*PAGES, "/reports/"])
def test_the_pages_send_anonymous_visitors_to_log_in(client: Any, url: str) -> None:
    build_school()

    response = client.get(url)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_teachers_school_csv_and_overview_hold_only_their_classrooms(client: Any) -> None:
    school = build_school()
    client.force_login(school.teacher)

    content = client.get("/api/reports/school.csv", month_period(school.month)).content.decode("utf-8-sig")
    overview = client.get("/reports/", {"month": f"{school.month:%Y-%m}"}).content.decode()

    assert "3AT.I" in content and "2BT.I" not in content and "2001" not in content
    assert 'data-classroom="3AT.I"' in overview and 'data-classroom="2BT.I"' not in overview
    client.force_login(UserFactory())
    assert client.get("/reports/").status_code == 403
