"""Sending the due absence e-mails is idempotent and safe from many workers: run twice, or by several workers at the
same instant (real PostgreSQL), each address hears once; an e-mail a worker died sending is sent by a later sweep
once the worker's lease has run out, and not before."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from attendance.models import AbsenceNotice, NoticeEmail
from attendance.services.absences import check_absences
from attendance.services.notice_emails import LEASE_S, send_due
from attendance.tasks import send_due_notice_emails, send_notice_emails
from tests.attendance.absence_school import DAYS, build
from tests.markers import committing_db
from tests.support.concurrency import run_at_once

ADDRESSES = ["maria@example.com", "paulo@escola.example"]


class WorkerDiesBackend(BaseEmailBackend):
    """The worker is killed (SIGTERM becomes SystemExit) while the message is on its way."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise SystemExit(1)


def streak_notice(settings: Any) -> AbsenceNotice:
    """A streak's notice and its two e-mails, queued and not sent yet (its on_commit never runs)."""
    settings.ABSENCE_ALERT_DAYS = 3
    settings.MIN_ATTENDANCE_PERCENT = 0.0  # the streak's notice only
    build(DAYS[:3])
    [notice] = check_absences(today=DAYS[2])
    return notice


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
def test_sending_twice_sends_each_email_once(settings: Any) -> None:
    notice = streak_notice(settings)

    first = send_due_notice_emails.delay().get()
    again = send_due_notice_emails.delay().get()
    for_the_notice = send_notice_emails.delay(notice.pk).get()

    assert (first, again, for_the_notice) == (2, 0, 0)
    assert sent_to() == ADDRESSES
    assert set(NoticeEmail.objects.values_list("status", "attempts")) == {(NoticeEmail.Status.SENT, 1)}


@committing_db
def test_workers_sending_at_the_same_instant_send_each_email_once(settings: Any, postgres: None) -> None:
    # Committed, so every worker's connection sees the e-mails; their first try (after the commit) fails, and they
    # are due again at once.
    settings.NOTICE_EMAIL_RETRY_BASE_S = 0.0
    settings.EMAIL_BACKEND = "tests.support.mail_server_down.EmailBackend"
    streak_notice(settings)
    assert set(NoticeEmail.objects.values_list("status", "attempts")) == {(NoticeEmail.Status.PENDING, 1)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    counts, errors = run_at_once(send_due_notice_emails)

    assert errors == [] and sum(counts) == 2
    assert Counter(sent_to()) == Counter(ADDRESSES)
    assert set(NoticeEmail.objects.values_list("status", "attempts")) == {(NoticeEmail.Status.SENT, 2)}


@pytest.mark.django_db
def test_an_email_a_worker_died_sending_is_sent_after_its_lease(settings: Any) -> None:
    streak_notice(settings)
    clock = timezone.now()
    settings.EMAIL_BACKEND = f"{__name__}.WorkerDiesBackend"
    with pytest.raises(SystemExit):
        send_due(now=clock)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    during = send_due(now=clock + dt.timedelta(seconds=LEASE_S - 1))
    after = send_due(now=clock + dt.timedelta(seconds=LEASE_S + 1))

    assert [row.address for row in during] == [ADDRESSES[1]]  # the other one was never claimed
    assert [row.address for row in after] == [ADDRESSES[0]]
    assert sent_to() == ADDRESSES
    assert dict(NoticeEmail.objects.values_list("address", "attempts")) == {ADDRESSES[0]: 2, ADDRESSES[1]: 1}
