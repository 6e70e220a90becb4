"""The retention purge takes, in each category, what is past its period (rows changed, files off the disk) and
leaves what is not, a day short of it."""

from __future__ import annotations

from typing import Any

from attendance.models import AttendanceLog, Presence
from monitoring.models import Alert
from monitoring.retention import ALERT_SNAPSHOTS, UNKNOWN_FACE_SNAPSHOTS
from recognition.models import FaceMatch, FacePhoto, PhotoFace, ProcessingCache
from school.models import Student
from school.services.retention import (
    EVIDENCE_CROPS,
    FACE_CACHE,
    STUDENTS_WHO_LEFT,
    UNKNOWN_GALLERY_FACES,
    purge_expired,
)
from tests.factories import LessonFactory, StudentFactory
from tests.markers import committing_db
from tests.school.retention_support import (
    ENCODING,
    alert,
    cache_entry,
    face_data_files,
    gallery_photo_faces,
    on_disk,
    sighting,
    student_who_left,
)

pytestmark = committing_db


def test_a_sightings_crop_goes_after_the_evidence_period_and_the_sighting_stays(settings: Any) -> None:
    settings.EVIDENCE_RETENTION_DAYS = 90
    expired, fresh = sighting(90.1), sighting(89)
    expired_crop, fresh_crop = expired.crop.name, fresh.crop.name
    lesson = LessonFactory(classroom=expired.classroom)
    Presence.objects.create(lesson=lesson, student=expired.student, status="present", source="camera", evidence=expired)

    report = purge_expired()

    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert expired.crop.name == "" and not on_disk(expired_crop)
    assert expired.seen_at is not None and expired.distance == 0.3  # the sighting itself stays
    assert Presence.objects.get(student=expired.student).evidence_id == expired.pk
    assert fresh.crop.name == fresh_crop and on_disk(fresh_crop)
    assert (report[EVIDENCE_CROPS].rows, report[EVIDENCE_CROPS].files) == (1, 1)
    assert AttendanceLog.objects.count() == 2


def test_an_alerts_snapshot_goes_after_the_snapshot_period_and_the_alert_stays(settings: Any) -> None:
    settings.ALERT_SNAPSHOT_RETENTION_DAYS = 30
    settings.UNKNOWN_FACE_RETENTION_DAYS = 60
    expired, fresh = alert(30.1), alert(29)
    unknown = alert(40, type="unknown_face")  # an unknown face's snapshot is an alert snapshot too: the shorter wins
    files = {row.pk: row.snapshot.name for row in (expired, fresh, unknown)}

    report = purge_expired()

    for gone in (expired, unknown):
        assert Alert.objects.get(pk=gone.pk).snapshot.name == "" and not on_disk(files[gone.pk])
    assert Alert.objects.get(pk=fresh.pk).snapshot.name == files[fresh.pk] and on_disk(files[fresh.pk])
    assert Alert.objects.count() == 3
    assert (report[ALERT_SNAPSHOTS].rows, report[ALERT_SNAPSHOTS].files) == (2, 2)


def test_unknown_faces_seen_by_cameras_lose_their_snapshot_after_the_unknown_face_period(settings: Any) -> None:
    settings.UNKNOWN_FACE_RETENTION_DAYS = 10
    settings.ALERT_SNAPSHOT_RETENTION_DAYS = 60
    unknown = alert(10.1, type="unknown_face")
    stranger_in_zone = alert(10.1, type="zone_intrusion", payload={"zone_id": "lab", "student_id": None})
    student_in_zone = alert(10.1, type="zone_intrusion", payload={"zone_id": "lab", "student_id": 7})
    offline = alert(10.1, type="camera_offline")
    fresh_unknown = alert(9, type="unknown_face")
    files = {row.pk: row.snapshot.name for row in Alert.objects.all()}

    report = purge_expired()

    gone = {unknown.pk, stranger_in_zone.pk}
    for row in Alert.objects.all():
        if row.pk in gone:
            assert row.snapshot.name == "" and not on_disk(files[row.pk]), row.type
        else:
            assert row.snapshot.name == files[row.pk] and on_disk(files[row.pk]), row.type
    assert {student_in_zone.pk, offline.pk, fresh_unknown.pk} == set(Alert.objects.values_list("pk", flat=True)) - gone
    assert (report[UNKNOWN_FACE_SNAPSHOTS].rows, report[UNKNOWN_FACE_SNAPSHOTS].files) == (2, 2)


def test_unknown_gallery_faces_lose_their_encoding_and_keep_their_box(settings: Any) -> None:
    settings.UNKNOWN_FACE_RETENTION_DAYS = 30
    old, recent = gallery_photo_faces(30.1), gallery_photo_faces(29)

    report = purge_expired()

    def encoding(face: PhotoFace) -> bytes:
        return bytes(PhotoFace.objects.get(pk=face.pk).encoding)

    assert encoding(old.unknown) == b"" and encoding(old.rejected) == b""
    assert encoding(old.proposed) == ENCODING and encoding(old.confirmed) == ENCODING
    assert all(encoding(face) == ENCODING for face in vars(recent).values())
    assert PhotoFace.objects.count() == 8  # the boxes stay: the public rendition still blurs those faces
    assert PhotoFace.objects.get(pk=old.unknown.pk).box == {"top": 0, "right": 10, "bottom": 10, "left": 0}
    assert FaceMatch.objects.count() == 6
    assert report[UNKNOWN_GALLERY_FACES].rows == 2


def test_stored_gallery_results_go_after_the_unknown_face_period(settings: Any) -> None:
    settings.UNKNOWN_FACE_RETENTION_DAYS = 30
    old, recent = cache_entry(30.1), cache_entry(29)

    report = purge_expired()

    assert list(ProcessingCache.objects.values_list("pk", flat=True)) == [recent.pk]
    assert report[FACE_CACHE].rows == 1 and not ProcessingCache.objects.filter(pk=old.pk).exists()


def test_the_face_data_of_a_student_who_left_goes_after_the_biometric_period(settings: Any) -> None:
    settings.BIOMETRIC_RETENTION_DAYS = 30
    gone, recent = student_who_left(30), student_who_left(29)
    active = StudentFactory(consenting=True)
    sighting(1, student=active)
    gone_files, kept_files = face_data_files(gone), face_data_files(recent) + face_data_files(active)
    assert len(gone_files) == 2

    report = purge_expired()

    assert not FacePhoto.objects.filter(student=gone).exists()
    assert not FaceMatch.objects.filter(student=gone).exists()
    assert not AttendanceLog.objects.filter(student=gone).exclude(crop="").exists()
    assert AttendanceLog.objects.filter(student=gone).count() == 1  # attendance stays
    assert not any(on_disk(name) for name in gone_files)
    assert Student.objects.filter(pk=gone.pk).exists()
    assert FacePhoto.objects.filter(student=recent).count() == 1
    assert FaceMatch.objects.filter(student=recent).count() == 3
    assert all(on_disk(name) for name in kept_files)
    # Files: the face photo's, the crop, and the gallery photo the student's faces are blurred in.
    assert (report[STUDENTS_WHO_LEFT].rows, report[STUDENTS_WHO_LEFT].files) == (1, 3)


def test_with_no_biometric_period_a_student_is_erased_the_day_they_leave(settings: Any) -> None:
    settings.BIOMETRIC_RETENTION_DAYS = 0
    today = student_who_left(0)

    purge_expired()

    assert face_data_files(today) == [] and not FaceMatch.objects.filter(student=today).exists()
