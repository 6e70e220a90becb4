"""An absence e-mail still waiting in the outbox (the mail server was down) goes only to who still hears of the
student's absences: a guardian who turned notifications off (or was removed) meanwhile is not e-mailed, and the row
says why, given up."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from attendance.models import NoticeEmail
from attendance.services.absences import check_absences
from attendance.services.notice_emails import NOT_A_RECIPIENT
from attendance.tasks import send_due_notice_emails
from tests.attendance.absence_school import DAYS, build

pytestmark = pytest.mark.django_db


def test_only_the_teacher_hears_once_the_mother_turned_notifications_off(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    settings.MIN_ATTENDANCE_PERCENT = 0.0  # the streak's notice only
    school = build(DAYS[:3])
    [notice] = check_absences(today=DAYS[2])  # queued; not sent yet
    school.mother.notifications = False
    school.mother.save()

    assert send_due_notice_emails.delay().get() == 1

    assert [message.to for message in mail.outbox] == [["paulo@escola.example"]]
    rows = NoticeEmail.objects.filter(notice=notice)
    assert set(rows.values_list("address", "status", "error")) == {
        ("maria@example.com", NoticeEmail.Status.FAILED, NOT_A_RECIPIENT),
        ("paulo@escola.example", NoticeEmail.Status.SENT, ""),
    }
