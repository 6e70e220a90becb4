"""`manage.py purge_expired --dry-run` says, per category, what would go (-v 2: each item) and changes nothing,
files included."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from attendance.models import AttendanceLog
from monitoring.models import Alert
from recognition.models import FaceMatch, FacePhoto, PhotoFace, ProcessingCache
from tests.markers import committing_db
from tests.school.retention_support import alert, cache_entry, gallery_photo_faces, sighting, student_who_left

pytestmark = committing_db


def files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def test_a_dry_run_lists_what_would_go_and_leaves_every_row_and_file(settings: Any, english: None) -> None:
    settings.EVIDENCE_RETENTION_DAYS = 90
    expired, fresh = sighting(91), sighting(89)
    snapshot = alert(91)
    gallery_photo_faces(91)
    cache_entry(91)
    left = student_who_left(91)
    before = files(Path(settings.MEDIA_ROOT))
    rows_before = (
        sorted(AttendanceLog.objects.values_list("pk", "crop")),
        sorted(Alert.objects.values_list("pk", "snapshot")),
        sorted((pk, bytes(encoding)) for pk, encoding in PhotoFace.objects.values_list("pk", "encoding")),
        FaceMatch.objects.count(),
        FacePhoto.objects.count(),
        ProcessingCache.objects.count(),
    )
    out = StringIO()

    call_command("purge_expired", "--dry-run", verbosity=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert "Would remove face crops of sightings older than 90 days: 1 (files: 1)." in lines
    assert "Would remove alert snapshots older than 30 days: 1 (files: 1)." in lines
    assert "Would remove encodings of unknown faces in galleries, older than 30 days: 2 (files: 0)." in lines
    assert "Would remove stored gallery results with face encodings, older than 30 days: 1 (files: 0)." in lines
    assert any(line.startswith("Would remove face data of students inactive for 30 days or more: 1 ") for line in lines)
    assert lines[-1].startswith("Would remove in all: ") and lines[-1].endswith("nothing was changed.")
    assert f"  recognition log {expired.pk}: {expired.crop.name}" in lines
    assert f"  alert {snapshot.pk}: {snapshot.snapshot.name}" in lines
    assert any(line.startswith(f"  {left}, left on {left.left_on}: ") for line in lines)
    assert not any(fresh.crop.name in line for line in lines)
    assert files(Path(settings.MEDIA_ROOT)) == before
    assert rows_before == (
        sorted(AttendanceLog.objects.values_list("pk", "crop")),
        sorted(Alert.objects.values_list("pk", "snapshot")),
        sorted((pk, bytes(encoding)) for pk, encoding in PhotoFace.objects.values_list("pk", "encoding")),
        FaceMatch.objects.count(),
        FacePhoto.objects.count(),
        ProcessingCache.objects.count(),
    )


def test_without_verbosity_a_dry_run_prints_one_line_per_category_and_the_total(english: None) -> None:
    sighting(91)
    out = StringIO()

    call_command("purge_expired", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 9 and all(line.startswith("Would remove ") for line in lines)
