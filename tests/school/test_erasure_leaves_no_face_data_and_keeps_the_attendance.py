from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from attendance.models import AttendanceLog, Presence, PresenceChange
from monitoring.models import Alert
from recognition.models import FaceMatch, FacePhoto, PhotoFace, ProcessingCache
from recognition.services.index import get_matcher, index_version
from school.models import AccessKind, AccessLog, ConsentKind, ConsentRecord, Student
from school.services.erasure import erase_face_data
from tests.markers import committing_db
from tests.school.student_data_support import StudentData, media_files, staff_with, student_with_everything

pytestmark = committing_db  # files go once the erasure commits, as in production


@pytest.fixture
def data(db: None) -> StudentData:
    return student_with_everything()


def names_in_cache(student: Student) -> int:
    return sum(
        match.get("student_id") == student.pk
        for payload in ProcessingCache.objects.values_list("payload", flat=True)
        for face in payload["faces"]
        for match in face["matches"]
    )


def test_the_erasure_removes_every_face_and_keeps_presences_and_sightings(data: StudentData) -> None:
    student = data.student
    root = Path(settings.MEDIA_ROOT)
    encoding = data.face_photo.encoding_array()
    face_files = {
        data.face_photo.image.name,
        data.log.crop.name,
        data.alert.snapshot.name,
        data.gallery_photo.image.name,  # the original, replaced by a copy with the face blurred
    }
    assert face_files <= media_files(root) and names_in_cache(student) > 0
    before = {
        "presences": Presence.objects.filter(student=student).count(),
        "changes": PresenceChange.objects.filter(presence__student=student).count(),
        "sightings": AttendanceLog.objects.filter(student=student).count(),
    }
    version = index_version()
    dpo = staff_with("view_student", "erase_student_data")

    plan = erase_face_data(student, user=dpo)

    # No face data: rows, encodings, files on disk, stored gallery results, the matcher.
    assert not FacePhoto.objects.filter(student=student).exists()
    assert not FaceMatch.objects.filter(student=student).exists()
    assert not AttendanceLog.objects.filter(student=student).exclude(crop="").exists()
    assert names_in_cache(student) == 0
    assert not face_files & media_files(root)
    assert PhotoFace.objects.filter(photo=data.gallery_photo).count() == 1  # Obama's face, still his
    assert FaceMatch.objects.filter(student=data.other).count() == 1
    alert = Alert.objects.get(pk=data.alert.pk)  # the alert stays, without its picture
    assert alert.snapshot.name == "" and alert.payload["student_id"] == student.pk
    assert index_version() != version
    [result] = get_matcher().match(np.asarray([encoding]))
    assert all(candidate.student_id != student.pk for candidate in result.candidates)
    # What school law needs stays, without any image.
    assert {
        "presences": Presence.objects.filter(student=student).count(),
        "changes": PresenceChange.objects.filter(presence__student=student).count(),
        "sightings": AttendanceLog.objects.filter(student=student).count(),
    } == before
    assert Presence.objects.get(pk=data.presence.pk).evidence_id == data.log.pk
    # The consents are withdrawn, on record; the receipt is in the access log.
    erased = Student.objects.get(pk=student.pk)
    assert not erased.biometric_consent and not erased.image_consent
    withdrawals = ConsentRecord.objects.filter(student=student, granted=False)
    assert sorted(withdrawals.values_list("kind", flat=True)) == [ConsentKind.BIOMETRIC, ConsentKind.IMAGE]
    receipt = AccessLog.objects.get(kind=AccessKind.ERASURE)
    assert receipt.student_id == student.pk and receipt.user == dpo and receipt.registration == "2024001"
    assert "face_photos 1" in receipt.target and "sighting_crops 1" in receipt.target
    assert plan.count("face_photos") == 1 and plan.count("gallery_faces") == 1 and plan.count("alert_snapshots") == 1
    assert plan.count("presences") == 1
