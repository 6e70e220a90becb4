"""An absence e-mail that keeps failing is tried again later each time (backoff), then given up after
NOTICE_EMAIL_MAX_ATTEMPTS: never tried again by itself, but shown to secretaries in the admin (a warning on the
notices, a status filter on the e-mails), who can send it again once the mail server is back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.utils import timezone

from attendance.models import AbsenceNotice, NoticeEmail
from attendance.services.absences import check_absences
from attendance.services.notice_emails import send_due
from attendance.tasks import send_due_notice_emails
from tests.attendance.absence_school import DAYS, build
from tests.factories import SecretaryFactory, UserFactory
from tests.support import mail_server_down

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "mail_server_is_down")]
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
ADDRESSES = ["maria@example.com", "paulo@escola.example"]


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mail_server_is_down(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.support.mail_server_down.EmailBackend"
    mail_server_down.EmailBackend.attempts = 0


def streak_notice(settings: Any) -> AbsenceNotice:
    """A streak's notice and its two e-mails, not tried yet (the test's transaction never commits)."""
    settings.ABSENCE_ALERT_DAYS = 3
    settings.MIN_ATTENDANCE_PERCENT = 0.0  # the streak's notice only
    build(DAYS[:3])
    [notice] = check_absences(today=DAYS[2])
    return notice


def test_each_retry_waits_twice_as_long_up_to_the_maximum_then_the_email_is_given_up(settings: Any) -> None:
    settings.NOTICE_EMAIL_MAX_ATTEMPTS = 8
    settings.NOTICE_EMAIL_RETRY_BASE_S = 60.0
    settings.NOTICE_EMAIL_RETRY_MAX_S = 1800.0
    notice = streak_notice(settings)
    clock = timezone.now()
    waits: list[list[float]] = []

    for attempt in range(1, 9):
        tried = send_due(now=clock)
        assert sorted(row.address for row in tried) == ADDRESSES and {row.attempts for row in tried} == {attempt}
        if attempt < 8:
            waits.append([(row.next_attempt_at - clock).total_seconds() for row in tried])
            due = min(row.next_attempt_at for row in tried)
            assert send_due(now=due - dt.timedelta(seconds=1)) == []  # not before its time
            clock = max(row.next_attempt_at for row in tried)

    for wait, expected in zip(waits, [60, 120, 240, 480, 960, 1800, 1800], strict=True):
        assert all(expected * 0.9 <= seconds <= expected * 1.1 for seconds in wait)
    rows = NoticeEmail.objects.filter(notice=notice)
    assert set(rows.values_list("status", "attempts", "sent_at")) == {(NoticeEmail.Status.FAILED, 8, None)}
    assert all(error.startswith("SMTPServerDisconnected") for error in rows.values_list("error", flat=True))
    tries = mail_server_down.EmailBackend.attempts
    assert send_due(now=clock + dt.timedelta(days=30)) == []  # given up: never tried again by itself
    assert mail_server_down.EmailBackend.attempts == tries == 16


def test_secretaries_see_the_given_up_emails_and_send_them_again(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTICE_EMAIL_MAX_ATTEMPTS = 2
    settings.NOTICE_EMAIL_RETRY_BASE_S = 0.0  # each sweep retries at once
    notice = streak_notice(settings)
    send_due_notice_emails.delay()
    send_due_notice_emails.delay()
    rows = NoticeEmail.objects.filter(notice=notice)
    assert set(rows.values_list("status", flat=True)) == {NoticeEmail.Status.FAILED}
    secretary = Client()
    secretary.force_login(SecretaryFactory())  # not a superuser: the Secretaries group's own rights

    notices_page = secretary.get("/admin/attendance/absencenotice/").content.decode()
    given_up = secretary.get("/admin/attendance/noticeemail/", {"status__exact": "failed"}).content.decode()
    sent = secretary.get("/admin/attendance/noticeemail/", {"status__exact": "sent"}).content.decode()

    assert "2 absence e-mails could not be sent and were given up." in notices_page
    assert "/admin/attendance/noticeemail/?status__exact=failed" in notices_page
    assert all(address in given_up for address in ADDRESSES) and "Gave up" in given_up
    assert not any(address in sent for address in ADDRESSES)
    assert 'value="send_again"' in given_up

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is back
    with django_capture_on_commit_callbacks(execute=True):
        answer = secretary.post(
            "/admin/attendance/noticeemail/",
            {"action": "send_again", "_selected_action": [str(pk) for pk in rows.values_list("pk", flat=True)]},
            follow=True,
        )

    assert "2 e-mails will be sent again." in answer.content.decode()
    assert sorted(address for message in mail.outbox for address in message.to) == ADDRESSES
    assert set(rows.values_list("status", "attempts")) == {(NoticeEmail.Status.SENT, 1)}
    assert "could not be sent" not in secretary.get("/admin/attendance/absencenotice/").content.decode()


def test_only_secretaries_may_send_an_email_again(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.NOTICE_EMAIL_MAX_ATTEMPTS = 1
    notice = streak_notice(settings)
    send_due_notice_emails.delay()
    viewer = UserFactory(is_staff=True)  # may read the e-mails, is not a secretary
    viewer.user_permissions.add(Permission.objects.get(codename="view_noticeemail"))
    client = Client()
    client.force_login(viewer)
    rows = NoticeEmail.objects.filter(notice=notice)

    page = client.get("/admin/attendance/noticeemail/").content.decode()
    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/attendance/noticeemail/",
            {"action": "send_again", "_selected_action": [str(pk) for pk in rows.values_list("pk", flat=True)]},
        )

    assert all(address in page for address in ADDRESSES) and 'value="send_again"' not in page
    assert set(rows.values_list("status", flat=True)) == {NoticeEmail.Status.FAILED}
    assert mail.outbox == []
