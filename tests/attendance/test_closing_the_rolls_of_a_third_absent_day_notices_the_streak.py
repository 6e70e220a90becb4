"""The beat's roll closing is what finds absence streaks: closing the rolls of a student's third absent school day
records the absences and makes the consecutive_absence notice, whose e-mails leave after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from attendance.models import AbsenceNotice, Presence, PresenceSource, Roll
from attendance.tasks import close_due_rolls
from tests.attendance.absence_school import DAYS, build

pytestmark = pytest.mark.django_db


def test_the_close_due_rolls_task_records_the_absences_and_notices_the_streak_once(
    settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:3])
    noon = timezone.make_aware(dt.datetime.combine(DAYS[2], dt.time(12, 0)))
    monkeypatch.setattr(timezone, "now", lambda: noon)

    with django_capture_on_commit_callbacks(execute=True):
        closed = close_due_rolls()
    with django_capture_on_commit_callbacks(execute=True):
        again = close_due_rolls()

    assert (closed, again) == (6, 0)
    assert Roll.objects.count() == 6
    assert Presence.objects.filter(student=school.student, source=PresenceSource.SYSTEM).count() == 6
    # Three days absent out of three: a streak, and a frequency of 0% too; one notice each, for this student only.
    notices = {notice.kind: notice for notice in AbsenceNotice.objects.filter(student=school.student)}
    assert set(notices) == {"consecutive_absence", "low_frequency"}
    assert notices["consecutive_absence"].key == DAYS[0].isoformat()
    assert not AbsenceNotice.objects.exclude(student=school.student).exists()
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "maria@example.com",
        "maria@example.com",
        "paulo@escola.example",
        "paulo@escola.example",
    ]
