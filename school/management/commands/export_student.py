from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from school.models import Student
from school.services.student_export import write_student_export


class Command(BaseCommand):
    help = (
        "Export everything the school holds about one student (roster, consents, presences, sightings, face photos, "
        "gallery appearances, access log...) as a zip of JSON files and images. Logged in the access log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("registration", help="the student's registration number")
        parser.add_argument("--output", "-o", type=Path, required=True, help="the zip file to write")

    def handle(self, *args: Any, registration: str, output: Path, **options: Any) -> None:
        student = Student.objects.filter(registration=registration).first()
        if student is None:
            raise CommandError(f"no student has the registration number {registration!r}: nothing was written")
        target = Path(output).resolve()  # call_command(output=...) passes a str as it is
        if target.is_dir():
            raise CommandError(f"{output} is a folder: give the name of the zip file to write")
        # Written next to the target, then renamed over it: a failure never leaves half a zip under that name. The
        # temporary file is readable by its owner only (mkstemp), and so is the zip it becomes: personal data.
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        except OSError as error:
            raise CommandError(f"cannot write in {target.parent}: {error.strerror}") from None
        try:
            with os.fdopen(handle, "wb") as file:
                summary = write_student_export(student, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"wrote {target} ({target.stat().st_size} bytes) for {student}: {summary.describe()}")
