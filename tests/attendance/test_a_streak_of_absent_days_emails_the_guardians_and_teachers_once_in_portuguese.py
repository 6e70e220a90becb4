"""ABSENCE_ALERT_DAYS school days in a row missed entirely: one notice, and one e-mail in Brazilian Portuguese to each
guardian who wants them and has an address, and to each of the classroom's teachers with one; each logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from attendance.models import AbsenceNotice, NoticeEmail
from attendance.services.absences import check_absences
from attendance.tasks import send_due_notice_emails, send_notice_emails
from tests.attendance.absence_school import DAYS, build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def kind_of(message: Any) -> str:
    return message.extra_headers["X-Chamada-Notice"].split()[0]


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # the server speaks English; the e-mails must still be in Portuguese


def test_three_absent_days_make_one_notice_and_one_email_per_recipient(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:4])
    school.attend(DAYS[0])

    with django_capture_on_commit_callbacks(execute=True):
        notices = check_absences(today=DAYS[3])

    streak = [n for n in notices if n.kind == AbsenceNotice.Kind.CONSECUTIVE_ABSENCE]
    assert [(n.student, n.key, n.details["days"]) for n in streak] == [(school.student, DAYS[1].isoformat(), 3)]
    assert sorted(m.to[0] for m in mail.outbox if kind_of(m) == "consecutive_absence") == [
        "maria@example.com",
        "paulo@escola.example",
    ]
    assert set(NoticeEmail.objects.filter(notice=streak[0]).values_list("recipient_kind", "address", "error")) == {
        ("guardian", "maria@example.com", ""),
        ("teacher", "paulo@escola.example", ""),
    }
    assert not NoticeEmail.objects.filter(sent_at__isnull=True).exists()
    assert set(NoticeEmail.objects.values_list("status", "attempts")) == {(NoticeEmail.Status.SENT, 1)}


def test_the_email_is_in_brazilian_portuguese(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    build(DAYS[:3])

    with django_capture_on_commit_callbacks(execute=True):
        check_absences(today=DAYS[2])

    to_mother = next(m for m in mail.outbox if m.to == ["maria@example.com"] and kind_of(m) == "consecutive_absence")
    assert to_mother.subject == "[Chamada] Bruno Lima faltou 3 dias letivos seguidos"
    assert "Olá, Maria Lima." in to_mother.body
    assert f"desde {DAYS[0]:%d/%m/%Y}" in to_mother.body
    assert "secretaria" in to_mother.body
    assert to_mother.from_email == settings.DEFAULT_FROM_EMAIL
    to_teacher = next(
        m for m in mail.outbox if m.to == ["paulo@escola.example"] and kind_of(m) == "consecutive_absence"
    )
    assert "professor" in to_teacher.body


def test_a_day_with_one_lesson_attended_is_not_an_absent_day(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    school = build(DAYS[:3])
    school.attend(DAYS[1], only_first=True)

    with django_capture_on_commit_callbacks(execute=True):
        notices = check_absences(today=DAYS[2])

    assert not [n for n in notices if n.kind == AbsenceNotice.Kind.CONSECUTIVE_ABSENCE]
    assert not [m for m in mail.outbox if kind_of(m) == "consecutive_absence"]


def test_sending_again_never_emails_an_address_twice(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    build(DAYS[:3])
    with django_capture_on_commit_callbacks(execute=True):
        notice = next(n for n in check_absences(today=DAYS[2]) if n.kind == AbsenceNotice.Kind.CONSECUTIVE_ABSENCE)
    sent = len(mail.outbox)

    assert send_notice_emails.delay(notice.pk).get() == 0
    assert send_due_notice_emails.delay().get() == 0
    assert len(mail.outbox) == sent
