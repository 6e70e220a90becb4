"""A second purge right after the first finds nothing: no row changes, no file goes, and it reports zeros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attendance.models import AttendanceLog
from monitoring.models import Alert
from recognition.models import FaceMatch, FacePhoto, PhotoFace, ProcessingCache
from school.models import AccessLog, Student
from school.services.retention import purge_expired
from tests.markers import committing_db
from tests.school.retention_support import alert, cache_entry, gallery_photo_faces, sighting, student_who_left

pytestmark = committing_db


def state(media: Path) -> dict[str, Any]:
    return {
        "crops": sorted(AttendanceLog.objects.values_list("pk", "crop")),
        "snapshots": sorted(Alert.objects.values_list("pk", "snapshot")),
        "encodings": sorted((pk, bytes(encoding)) for pk, encoding in PhotoFace.objects.values_list("pk", "encoding")),
        "matches": sorted(FaceMatch.objects.values_list("pk", flat=True)),
        "photos": sorted(FacePhoto.objects.values_list("pk", flat=True)),
        "cache": sorted(ProcessingCache.objects.values_list("pk", flat=True)),
        "students": sorted(Student.objects.values_list("pk", "biometric_consent", "image_consent")),
        "access_log": AccessLog.objects.count(),
        "files": sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()),
    }


def test_purging_twice_changes_nothing_the_second_time(settings: Any) -> None:
    for days in (200, 1):  # an expired and a fresh one of each kind
        sighting(days)
        alert(days)
        alert(days, type="unknown_face")
        gallery_photo_faces(days)
        cache_entry(days)
    student_who_left(200)
    student_who_left(1)
    first = purge_expired()
    assert first.rows > 0 and first.files > 0
    after_first = state(Path(settings.MEDIA_ROOT))

    second = purge_expired()

    assert [(c.key, c.rows, c.files) for c in second.categories] == [(c.key, 0, 0) for c in first.categories]
    assert state(Path(settings.MEDIA_ROOT)) == after_first
