from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from school.models import AccessLog
from tests.factories import StudentFactory


@pytest.mark.django_db
def test_an_unknown_registration_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    StudentFactory.create(registration="2024001")
    output = tmp_path / "export.zip"

    with pytest.raises(CommandError, match="no student has the registration number '2024009'"):
        call_command("export_student", "2024009", "--output", str(output))

    assert not output.exists() and not [path for path in tmp_path.iterdir() if path.name != "media"]
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_the_command_exits_non_zero_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What a script running manage.py sees: ManagementUtility is what manage.py runs (parsing, exit status, stderr).
    with pytest.raises(SystemExit) as exit:
        ManagementUtility(["manage.py", "export_student", "2024009", "--output", str(tmp_path / "x.zip")]).execute()

    assert exit.value.code == 1
    assert "no student has the registration number '2024009'" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
