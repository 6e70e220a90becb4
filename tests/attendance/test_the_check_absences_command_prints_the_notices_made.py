"""`manage.py check_absences` makes the notices due and prints them; run again, it makes none."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from attendance.models import AbsenceNotice
from tests.attendance.absence_school import DAYS, build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_absences", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_each_notice_and_makes_none_twice(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    build(DAYS[:3])

    first = run("--date", DAYS[2].isoformat(), "--classroom", "3AT.I")
    again = run("--date", DAYS[2].isoformat())

    assert "Consecutive absences: Bruno Lima" in first and DAYS[0].isoformat() in first
    assert "Frequency below the minimum: Bruno Lima" in first
    assert first.strip().endswith("2 absence notices made.")
    assert again.strip() == "0 absence notices made."
    assert AbsenceNotice.objects.count() == 2


def test_an_unknown_classroom_or_date_is_refused() -> None:
    with pytest.raises(CommandError, match="unknown classroom 9ZZ"):
        run("--classroom", "9ZZ")
    with pytest.raises(CommandError):
        run("--date", "yesterday")
