"""The e-mails of an absence notice, in Brazilian Portuguese, to the student's guardians and teachers.

Recipients: the student's guardians with absence notifications on and an e-mail address, and the teachers (with an
e-mail address, active accounts) of the classrooms the notice is about. Each address is claimed first with a
``NoticeEmail`` row (unique per notice and address), then sent to, one message each; the row then holds when it
was sent or why it failed. So no address hears twice of the same notice, whoever sends and however often.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import BaseUserManager, User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import AbsenceNotice, NoticeEmail
from school.models import Classroom

logger = logging.getLogger(__name__)

EMAIL_LANGUAGE = "pt-br"  # families and teachers read the school's language, whatever the server's
NOTICE_HEADER = "X-Chamada-Notice"  # "<kind> <notice id>"


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


def send_notice_emails(notice: AbsenceNotice) -> list[NoticeEmail]:
    """Send ``notice``'s e-mails to the recipients not yet claimed; returns the rows this call sent (or failed)."""
    done: list[NoticeEmail] = []
    for recipient in recipients(notice):
        try:
            with transaction.atomic():
                row = NoticeEmail.objects.create(
                    notice=notice, recipient_kind=recipient.kind, address=recipient.address
                )
        except IntegrityError:
            continue  # already sent, or being sent, by someone else
        try:
            subject, body = render_notice_email(notice, recipient)
            EmailMessage(
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [recipient.address],
                headers={NOTICE_HEADER: f"{notice.kind} {notice.pk}"},  # for the school's mail filters
            ).send()
        except Exception as failure:  # any transport error: record it and go on with the next address
            logger.warning("absence e-mail %s to %s failed: %s", notice.pk, recipient.address, failure)
            row.error = f"{type(failure).__name__}: {failure}"[:300]
            row.save(update_fields=["error"])
        else:
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])
        done.append(row)
    return done


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
