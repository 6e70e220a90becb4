from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pytest
from django.core.management import call_command

from school.management.commands import export_student
from tests.factories import StudentFactory


@pytest.mark.django_db
def test_a_failed_export_leaves_the_previous_file_and_no_part_file(tmp_path: Path, monkeypatch: Any) -> None:
    StudentFactory.create(registration="2024001")
    output = tmp_path / "export.zip"
    output.write_bytes(b"last week's export")

    def failing(student: Any, file: IO[bytes], **kwargs: Any) -> None:
        file.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_student, "write_student_export", failing)

    with pytest.raises(OSError, match="No space left"):
        call_command("export_student", "2024001", "--output", str(output))

    assert output.read_bytes() == b"last week's export"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != "media") == ["export.zip"]


@pytest.mark.django_db
def test_a_folder_as_output_is_refused(tmp_path: Path) -> None:
    StudentFactory.create(registration="2024001")

    with pytest.raises(export_student.CommandError, match="is a folder"):
        call_command("export_student", "2024001", "--output", str(tmp_path))
