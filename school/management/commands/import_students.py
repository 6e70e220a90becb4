from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from school.services.roster_import import RosterImportError, import_roster


class Command(BaseCommand):
    help = "Import students and enrollments from a CSV file (see README for the columns). All rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as read_error:
            raise CommandError(f"cannot read {file}: {read_error.strerror}") from None
        try:
            report = import_roster(data)
        except RosterImportError as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"nothing was imported: {len(failure.errors)} error(s) in {file}") from None
        self.stdout.write(
            f"imported {report.rows} rows: {report.students_created} new students, "
            f"{report.students_updated} updated, {report.enrollments_created} new enrollments, "
            f"{report.guardians_created} new guardians, {report.guardians_updated} updated"
        )
