"""The school overview: the month's classrooms by frequency, the students below the minimum, and each classroom's
weekly frequency drawn as an inline SVG line, in a fixed number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest

from attendance.services.reports import school_overview
from tests.attendance.diary_school import build_school

pytestmark = pytest.mark.django_db


def test_classrooms_by_frequency_and_the_students_at_risk(django_assert_max_num_queries: Any) -> None:
    school = build_school()

    with django_assert_max_num_queries(7):
        overview = school_overview(school.month)

    assert [(row.classroom.code, row.frequency, row.at_risk) for row in overview.classrooms] == [
        ("2BT.I", 100.0, 0),
        ("3AT.I", 66.7, 1),
    ]
    assert [(risk.student.registration, risk.tally.frequency) for risk in overview.at_risk] == [("1002", 25.0)]
    assert overview.weeks[0].weekday() == 0 and overview.weeks[0] <= school.month
    third = next(row for row in overview.classrooms if row.classroom.code == "3AT.I")
    assert len(third.weeks) == len(overview.weeks)
    # Attended of held, by day: the 2nd 5 of 6, the 3rd 1 of 3, the 4th 2 of 3; grouped by the week they fall in.
    by_day = {2: (5, 6), 3: (1, 3), 4: (2, 3)}
    expected: dict[Any, list[int]] = {}
    for day, (attended, held) in by_day.items():
        monday = overview.weeks[[w <= school.month.replace(day=day) for w in overview.weeks].count(True) - 1]
        expected.setdefault(monday, [0, 0])
        expected[monday][0] += attended
        expected[monday][1] += held
    assert third.weeks == [
        round(100 * expected[w][0] / expected[w][1], 1) if w in expected else None for w in overview.weeks
    ]


def test_the_overview_page_draws_each_classrooms_trend(client: Any, django_assert_max_num_queries: Any) -> None:
    school = build_school()
    client.force_login(school.secretary)

    with django_assert_max_num_queries(16):
        response = client.get("/reports/", {"month": f"{school.month:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('data-classroom="2BT.I"') < page.index('data-classroom="3AT.I"')
    assert page.count('<svg class="trend"') == 2
    assert re.search(r'<polyline points="[0-9.]+,[0-9.]+', page) or re.search(r"<circle cx=\"[0-9.]+\"", page)
    assert 'id="at-risk"' in page and 'data-registration="1002"' in page
    assert "/api/reports/school.csv?from=" in page
