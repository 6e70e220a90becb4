"""The e-mails of an absence notice, in Brazilian Portuguese, to the student's guardians and teachers.

Recipients: the student's guardians with absence notifications on and an e-mail address, and the teachers (with an
e-mail address, active accounts) of the classrooms the notice is about.

An outbox: ``queue_notice_emails`` writes one ``NoticeEmail`` row per address (unique per notice and address) in
the notice's own transaction; after the commit ``send_due`` sends the rows that are due, one message each. Each
row is claimed first by one conditional UPDATE that takes a lease (``LEASE_S``), so two workers never both send it;
a failed send is tried again with exponential backoff until ``NOTICE_EMAIL_MAX_ATTEMPTS``, then given up (shown to
secretaries, who can ``send_again``). A sent or given-up row is never claimed again: sending twice sends nothing
twice. A worker that dies after the mail server took a message and before recording it sends it once more after
the lease: at least once, the one duplicate no outbox avoids.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import BaseUserManager, User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import AbsenceNotice, NoticeEmail
from school.backoff import backoff_delay
from school.models import Classroom

logger = logging.getLogger(__name__)

EMAIL_LANGUAGE = "pt-br"  # families and teachers read the school's language, whatever the server's
NOTICE_HEADER = "X-Chamada-Notice"  # "<kind> <notice id>"
#: A claimed row is the claimer's for this long; a worker killed mid-send leaves it due again after it. Far above
#: one send (a few socket operations of EMAIL_TIMEOUT each), or a slow send would be claimed twice.
LEASE_S = 300.0
#: Rows one ``send_due`` takes at most (the rest are due for the next).
BATCH = 100
#: A row whose address no longer hears of the student's absences (guardian removed, notifications off, teacher gone).
NOT_A_RECIPIENT = "no longer a recipient"
_ERROR_MAX = NoticeEmail._meta.get_field("error").max_length or 300


@dataclass(frozen=True)
class Recipient:
    kind: str  # NoticeEmail.Recipient
    address: str
    name: str


def recipients(notice: AbsenceNotice) -> list[Recipient]:
    """Who hears of ``notice``: guardians first, then teachers; each address once."""
    found: list[Recipient] = []
    for guardian in notice.student.guardians.filter(notifications=True).exclude(email="").order_by("name", "pk"):
        found.append(Recipient(NoticeEmail.Recipient.GUARDIAN, guardian.email, guardian.name))
    teachers = (
        User.objects.filter(classrooms__in=notice.details.get("classroom_ids", []), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )
    for teacher in teachers:
        found.append(
            Recipient(NoticeEmail.Recipient.TEACHER, teacher.email, teacher.get_full_name() or teacher.username)
        )
    unique: dict[str, Recipient] = {}
    for recipient in found:
        address = BaseUserManager.normalize_email(recipient.address.strip())
        unique.setdefault(address.lower(), Recipient(recipient.kind, address, recipient.name))
    return list(unique.values())


def queue_notice_emails(notice: AbsenceNotice) -> list[NoticeEmail]:
    """Write ``notice``'s e-mails to send, due now; call it in the transaction that makes the notice, so that a
    notice never commits without them. ``send_due`` sends them once committed."""
    now = timezone.now()
    return NoticeEmail.objects.bulk_create(
        NoticeEmail(notice=notice, recipient_kind=recipient.kind, address=recipient.address, next_attempt_at=now)
        for recipient in recipients(notice)
    )


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1`` (NOTICE_EMAIL_RETRY_BASE_S doubling up to NOTICE_EMAIL_RETRY_MAX_S)."""
    return backoff_delay(attempts, base_s=settings.NOTICE_EMAIL_RETRY_BASE_S, max_s=settings.NOTICE_EMAIL_RETRY_MAX_S)


def send_due(*, notice_id: int | None = None, now: dt.datetime | None = None, limit: int = BATCH) -> list[NoticeEmail]:
    """Send the pending e-mails that are due (of ``notice_id`` only, if given), oldest due first; returns the rows
    this call attempted, as they ended (sent, pending a retry, or given up). Idempotent; safe from many workers.

    ``now`` stands for the clock (tests); by default each row is claimed and recorded at the current time."""
    due = NoticeEmail.objects.filter(status=NoticeEmail.Status.PENDING, next_attempt_at__lte=now or timezone.now())
    if notice_id is not None:
        due = due.filter(notice_id=notice_id)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    names: dict[int, dict[str, Recipient]] = {}  # per notice: its recipients now, by address
    done: list[NoticeEmail] = []
    for pk in ids:
        row = _attempt(pk, now, names)
        if row is not None:
            done.append(row)
    return done


def _attempt(pk: int, now: dt.datetime | None, names: dict[int, dict[str, Recipient]]) -> NoticeEmail | None:
    at = now or timezone.now()
    claimed = NoticeEmail.objects.filter(pk=pk, status=NoticeEmail.Status.PENDING, next_attempt_at__lte=at).update(
        attempts=F("attempts") + 1, next_attempt_at=at + dt.timedelta(seconds=LEASE_S)
    )
    if claimed != 1:
        return None  # another worker has it, or sent it meanwhile
    row = NoticeEmail.objects.select_related("notice__student").filter(pk=pk).first()
    if row is None:
        return None  # erased with its student meanwhile
    notice = row.notice
    if notice.pk not in names:
        names[notice.pk] = {recipient.address.lower(): recipient for recipient in recipients(notice)}
    recipient = names[notice.pk].get(row.address.lower())
    changes: dict[str, Any]
    if recipient is None:
        # Whoever the address was is not told any more: not sent (a removed guardian may have been a wrong one).
        changes = {"status": NoticeEmail.Status.FAILED, "error": NOT_A_RECIPIENT}
    else:
        try:
            subject, body = render_notice_email(notice, recipient)
            EmailMessage(
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [recipient.address],
                headers={NOTICE_HEADER: f"{notice.kind} {notice.pk}"},  # for the school's mail filters
            ).send()
        except Exception as failure:  # any transport error: record it, retry later, go on with the next address
            changes = {"error": f"{type(failure).__name__}: {failure}"[:_ERROR_MAX]}
            if row.attempts >= settings.NOTICE_EMAIL_MAX_ATTEMPTS:
                changes["status"] = NoticeEmail.Status.FAILED
                logger.error(
                    "absence e-mail %s to %s given up after %d attempts: %s",
                    notice.pk,
                    row.address,
                    row.attempts,
                    failure,
                )
            else:
                changes["next_attempt_at"] = (now or timezone.now()) + dt.timedelta(seconds=retry_delay(row.attempts))
                logger.warning(
                    "absence e-mail %s to %s failed (attempt %d): %s", notice.pk, row.address, row.attempts, failure
                )
        else:
            changes = {"status": NoticeEmail.Status.SENT, "sent_at": now or timezone.now(), "error": ""}
    # Only while still ours: a lease that ran out and was claimed again is the other worker's to record.
    if not NoticeEmail.objects.filter(pk=pk, status=NoticeEmail.Status.PENDING, attempts=row.attempts).update(
        **changes
    ):
        logger.warning("absence e-mail %s to %s: recorded by another worker meanwhile", notice.pk, row.address)
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def given_up_count() -> int:
    """How many absence e-mails were given up (for the secretaries' attention)."""
    return NoticeEmail.objects.filter(status=NoticeEmail.Status.FAILED).count()


def send_again(emails: QuerySet[NoticeEmail]) -> int:
    """Put the given-up e-mails among ``emails`` back in the outbox, due now with their attempts afresh (a
    secretary, once the mail server or the address is fixed); they leave after commit. Returns how many."""
    with transaction.atomic():
        count = emails.filter(status=NoticeEmail.Status.FAILED).update(
            status=NoticeEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if count:
            transaction.on_commit(_queue_due, robust=True)
    return count


def _queue_due() -> None:
    from attendance.tasks import send_due_notice_emails

    send_due_notice_emails.delay()


def render_notice_email(notice: AbsenceNotice, recipient: Recipient) -> tuple[str, str]:
    """The subject and plain-text body, in Brazilian Portuguese."""
    student = notice.student
    codes = Classroom.objects.filter(pk__in=notice.details.get("classroom_ids", [])).values_list("code", flat=True)
    with translation.override(EMAIL_LANGUAGE):
        context: dict[str, Any] = {
            "recipient_name": recipient.name,
            "recipient_kind": recipient.kind,
            "student_name": student.full_name,
            "classrooms": ", ".join(sorted(codes)),
            "details": notice.details,
        }
        if notice.kind == AbsenceNotice.Kind.CONSECUTIVE_ABSENCE:
            days = int(notice.details["days"])
            subject = ngettext(
                "%(student)s missed %(count)d school day in a row",
                "%(student)s missed %(count)d school days in a row",
                days,
            ) % {"student": student.full_name, "count": days}
            context.update(days=days, first_day=dt.date.fromisoformat(notice.details["first_day"]))
            body = render_to_string("attendance/email/consecutive_absence.txt", context)
        else:
            subject = _("%(student)s's frequency is below %(minimum)s%%") % {
                "student": student.full_name,
                "minimum": floatformat(notice.details["minimum"], -1),
            }
            context.update(
                frequency=notice.details["frequency"],
                minimum=notice.details["minimum"],
                attended=notice.details["attended"],
                held=notice.details["held"],
            )
            body = render_to_string("attendance/email/low_frequency.txt", context)
    return f"[Chamada] {subject}", body.strip() + "\n"
