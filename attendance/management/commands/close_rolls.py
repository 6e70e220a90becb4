"""Close the roll of every lesson that ended ROLL_CLOSE_AFTER_MINUTES ago (beat does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.services.roll import close_due_rolls


class Command(BaseCommand):
    help = "Close the roll of every lesson that is due: enrolled students without a presence are recorded absent."

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
