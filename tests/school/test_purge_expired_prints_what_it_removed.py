"""`manage.py purge_expired` removes what is past its period and prints, per category, how much went."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from attendance.models import AttendanceLog
from tests.markers import committing_db
from tests.school.retention_support import on_disk, sighting

pytestmark = committing_db


def test_the_command_removes_the_expired_crops_and_says_so(settings: Any, english: None) -> None:
    settings.EVIDENCE_RETENTION_DAYS = 90
    expired, fresh = sighting(91), sighting(89)
    crop = expired.crop.name
    out = StringIO()

    call_command("purge_expired", stdout=out)

    lines = out.getvalue().splitlines()
    assert "Removed face crops of sightings older than 90 days: 1 (files: 1)." in lines
    assert "Removed alert snapshots older than 30 days: 0 (files: 0)." in lines
    assert lines[-1] == "Removed in all: 1 (files: 1)."
    assert AttendanceLog.objects.get(pk=expired.pk).crop.name == "" and not on_disk(crop)
    assert on_disk(AttendanceLog.objects.get(pk=fresh.pk).crop.name)
