"""Make the absence notices that are due (consecutive absences, frequency below the minimum) and send them.

Run it nightly (cron) or after closing rolls; running it again makes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.services.absences import check_absences
from school.models import Classroom


def iso_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD)") % {"value": raw}) from None


class Command(BaseCommand):
    help = (
        "Alert (monitoring, e-mails to guardians and teachers) about students absent ABSENCE_ALERT_DAYS school days "
        "in a row or below MIN_ATTENDANCE_PERCENT; each streak or episode once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=iso_date, default=None, help="the day to check (default: today)")
        parser.add_argument("--classroom", action="append", default=None, help="a classroom's code (repeatable)")

    def handle(self, *args: Any, date: dt.date | None, classroom: list[str] | None, **options: Any) -> None:
        classroom_ids = None
        if classroom:
            found = dict(Classroom.objects.filter(code__in=classroom).values_list("code", "pk"))
            unknown = sorted(set(classroom) - set(found))
            if unknown:
                raise CommandError(_("unknown classroom %(code)s") % {"code": ", ".join(unknown)})
            classroom_ids = list(found.values())
        notices = check_absences(today=date, classroom_ids=classroom_ids)
        for notice in notices:
            self.stdout.write(f"{notice.get_kind_display()}: {notice.student} ({notice.key})")
        self.stdout.write(
            ngettext("%(count)d absence notice made.", "%(count)d absence notices made.", len(notices))
            % {"count": len(notices)}
        )
