"""Remove the personal data whose retention period is over (beat does it hourly: school.tasks.purge_expired)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from school.services.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Remove what is past its retention period: sightings' face crops, alert snapshots, unknown faces' data, "
        "the face data of students who left, login records. --dry-run says what would go and changes nothing "
        "(-v 2 lists it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only say what would be removed")

    def handle(self, *args: Any, dry_run: bool, verbosity: int, **options: Any) -> None:
        report = purge_expired(dry_run=dry_run)
        for category in report.categories:
            values = {"what": category.label, "count": category.rows, "files": category.files}
            if dry_run:
                self.stdout.write(_("Would remove %(what)s: %(count)d (files: %(files)d).") % values)
                if verbosity >= 2:
                    for item in category.items:
                        self.stdout.write(f"  {item}")
            else:
                self.stdout.write(_("Removed %(what)s: %(count)d (files: %(files)d).") % values)
        totals = {"count": report.rows, "files": report.files}
        if dry_run:
            self.stdout.write(_("Would remove in all: %(count)d (files: %(files)d); nothing was changed.") % totals)
        else:
            self.stdout.write(_("Removed in all: %(count)d (files: %(files)d).") % totals)
