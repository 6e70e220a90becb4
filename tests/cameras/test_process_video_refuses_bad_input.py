from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from attendance.models import AttendanceLog
from tests.cameras.conftest import CLIP
from tests.factories import ClassroomFactory

pytestmark = pytest.mark.django_db


def test_a_missing_file_is_refused_with_its_name(tmp_path: Path) -> None:
    classroom = ClassroomFactory()

    with pytest.raises(CommandError, match=r"missing\.mp4"):
        call_command("process_video", str(tmp_path / "missing.mp4"), classroom=classroom.code)


def test_an_unknown_classroom_is_refused_with_its_code() -> None:
    with pytest.raises(CommandError, match=r"9ZZ\.X"):
        call_command("process_video", str(CLIP), classroom="9ZZ.X")

    assert not AttendanceLog.objects.exists()


def test_a_file_that_is_not_a_video_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("not a video")

    with pytest.raises(CommandError, match=r"notes\.mp4"):
        call_command("process_video", str(bogus), classroom=ClassroomFactory().code)
