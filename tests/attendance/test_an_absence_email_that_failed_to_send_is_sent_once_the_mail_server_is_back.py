"""An absence e-mail that could not be sent (the mail server down, a timeout) is not lost: it stays in the outbox,
and the next sweep once the server is back (beat's task; without beat, `close_rolls`) sends it, once, and never
again to an address that already has it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from attendance.models import AbsenceNotice, NoticeEmail
from attendance.services.absences import check_absences
from school.celery import app
from tests.attendance.absence_school import DAYS, build
from tests.support import mail_server_down

pytestmark = pytest.mark.django_db
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
STREAK_ADDRESSES = ["maria@example.com", "paulo@escola.example"]


def streak_mail_to() -> list[str]:
    return sorted(
        m.to[0] for m in mail.outbox if m.extra_headers["X-Chamada-Notice"].split()[0] == "consecutive_absence"
    )


def failed_while_the_mail_server_was_down(settings: Any, capture_on_commit: Any) -> AbsenceNotice:
    settings.ABSENCE_ALERT_DAYS = 3
    settings.NOTICE_EMAIL_RETRY_BASE_S = 0.0  # due again at once: the next sweep retries it
    build(DAYS[:3])
    settings.EMAIL_BACKEND = "tests.support.mail_server_down.EmailBackend"
    mail_server_down.EmailBackend.attempts = 0
    with capture_on_commit(execute=True):
        notice = next(n for n in check_absences(today=DAYS[2]) if n.kind == AbsenceNotice.Kind.CONSECUTIVE_ABSENCE)
    assert mail_server_down.EmailBackend.attempts > 0  # it did try, and failed
    rows = NoticeEmail.objects.filter(notice=notice)
    assert set(rows.values_list("status", "attempts", "sent_at")) == {(NoticeEmail.Status.PENDING, 1, None)}
    assert all(error.startswith("SMTPServerDisconnected") for error in rows.values_list("error", flat=True))
    settings.EMAIL_BACKEND = LOCMEM  # the server is back
    return notice


def test_an_email_that_failed_while_the_mail_server_was_down_is_sent_once_by_the_next_sweeps(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    notice = failed_while_the_mail_server_was_down(settings, django_capture_on_commit_callbacks)
    rows = NoticeEmail.objects.filter(notice=notice)
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery imports each app's tasks.py
    sweep = app.tasks[settings.CELERY_BEAT_SCHEDULE["send-due-notice-emails"]["task"]]

    sent = sweep.delay().get()
    again = sweep.delay().get()

    assert (sent, again) == (4, 0)  # the streak's two e-mails and the low frequency's two, each once
    assert streak_mail_to() == STREAK_ADDRESSES
    assert set(rows.values_list("status", "attempts", "error")) == {(NoticeEmail.Status.SENT, 2, "")}
    assert not rows.filter(sent_at__isnull=True).exists()


def test_without_beat_closing_the_rolls_sends_them(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    notice = failed_while_the_mail_server_was_down(settings, django_capture_on_commit_callbacks)
    out = StringIO()

    with translation.override("en"):
        call_command("close_rolls", stdout=out)
        call_command("close_rolls", stdout=out)

    assert out.getvalue().splitlines() == [
        "0 rolls closed, 0 absences recorded.",  # last year's lessons, closed long ago
        "4 of 4 absence e-mails sent.",
        "0 rolls closed, 0 absences recorded.",
    ]
    assert streak_mail_to() == STREAK_ADDRESSES
    assert set(NoticeEmail.objects.filter(notice=notice).values_list("status", flat=True)) == {"sent"}
