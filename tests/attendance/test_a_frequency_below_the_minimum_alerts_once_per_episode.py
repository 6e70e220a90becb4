"""Frequency over the school year below MIN_ATTENDANCE_PERCENT: one notice (keyed by the first day it fell below)
and its e-mails; it stays quiet while the episode lasts, and a new episode comes only after it went back up."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from attendance.models import AbsenceNotice
from attendance.services.absences import check_absences
from tests.attendance.absence_school import DAYS, build

pytestmark = pytest.mark.django_db

LOW = AbsenceNotice.Kind.LOW_FREQUENCY


def check(day: Any, capture: Any) -> list[AbsenceNotice]:
    with capture(execute=True):
        return [notice for notice in check_absences(today=day) if notice.kind == LOW]


def low_emails() -> list[Any]:
    return [message for message in mail.outbox if message.extra_headers["X-Chamada-Notice"].startswith(LOW)]


def test_low_frequency_alerts_once(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.MIN_ATTENDANCE_PERCENT = 75.0
    settings.ABSENCE_ALERT_DAYS = 99
    school = build(DAYS[:6])
    for day in DAYS[:4]:
        school.attend(day)  # 8 of 8 lessons: 100 %; a day missed: 8 of 10, 80 %; another: 8 of 12, 66.7 %

    assert check(DAYS[4], django_capture_on_commit_callbacks) == []
    notices = check(DAYS[5], django_capture_on_commit_callbacks)
    assert check(DAYS[5], django_capture_on_commit_callbacks) == []

    assert [(n.key, n.details["frequency"], n.details["held"]) for n in notices] == [(DAYS[5].isoformat(), 66.7, 12)]
    assert sorted(m.to[0] for m in low_emails()) == ["maria@example.com", "paulo@escola.example"]


def test_its_email_is_in_brazilian_portuguese(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.MIN_ATTENDANCE_PERCENT = 75.0
    settings.ABSENCE_ALERT_DAYS = 99
    school = build(DAYS[:3])
    school.attend(DAYS[0])

    check(DAYS[2], django_capture_on_commit_callbacks)

    message = next(m for m in low_emails() if m.to == ["maria@example.com"])
    assert message.subject == "[Chamada] A frequência de Bruno Lima está abaixo de 75%"
    assert "assistiu a 2 das 6 aulas dadas neste ano letivo: uma frequência de 33,3%" in message.body


def test_a_new_episode_only_after_going_back_to_the_minimum(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MIN_ATTENDANCE_PERCENT = 50.0
    settings.ABSENCE_ALERT_DAYS = 99
    school = build(DAYS[:6])
    # Days: absent, present, absent, present, absent, absent -> 0 %, 50 %, 33 %, 50 %, 40 %, 33 %
    for day in (DAYS[1], DAYS[3]):
        school.attend(day)

    first = check(DAYS[0], django_capture_on_commit_callbacks)
    back_up = check(DAYS[1], django_capture_on_commit_callbacks)
    second = check(DAYS[2], django_capture_on_commit_callbacks)
    still_low = check(DAYS[5], django_capture_on_commit_callbacks)

    assert [n.key for n in first] == [DAYS[0].isoformat()]
    assert back_up == []
    assert [n.key for n in second] == [DAYS[2].isoformat()]
    assert [n.key for n in still_low] == [DAYS[4].isoformat()]  # it went back to 50 % on DAYS[3]
