"""Close the roll of every lesson that ended ROLL_CLOSE_AFTER_MINUTES ago (beat does it every minute), then send the
absence e-mails that are due: without beat (embedded mode) this is what retries those that failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import NoticeEmail
from attendance.services.notice_emails import send_due
from attendance.services.roll import close_due_rolls


class Command(BaseCommand):
    help = (
        "Close the roll of every lesson that is due: enrolled students without a presence are recorded absent. "
        "Then send the absence e-mails that are due (retries)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rolls = close_due_rolls()
        except DatabaseError as error:
            raise CommandError(_("The rolls could not be closed: %(error)s") % {"error": error}) from error
        absences = sum(roll.absences_recorded for roll in rolls)
        self.stdout.write(
            ngettext("%(count)d roll closed", "%(count)d rolls closed", len(rolls)) % {"count": len(rolls)}
            + ", "
            + ngettext("%(count)d absence recorded.", "%(count)d absences recorded.", absences) % {"count": absences}
        )
        try:
            emails = send_due()
        except DatabaseError as error:
            raise CommandError(_("The absence e-mails could not be sent: %(error)s") % {"error": error}) from error
        if emails:
            sent = sum(email.status == NoticeEmail.Status.SENT for email in emails)
            self.stdout.write(
                ngettext(
                    "%(sent)d of %(count)d absence e-mail sent.",
                    "%(sent)d of %(count)d absence e-mails sent.",
                    len(emails),
                )
                % {"sent": sent, "count": len(emails)}
            )
