"""Retention: unknown faces kept for review go after UNKNOWN_FACE_RETENTION_DAYS (row, encoding and crop file,
once the purge commits), except those of a group staff assigned to a student; their groups follow."""

from __future__ import annotations

from io import StringIO
from typing import Any

import numpy as np
from django.core.management import call_command

from recognition.models import FaceGroup, UnknownFace
from recognition.services.review_groups import cluster_new_faces
from school.services.retention import UNKNOWN_FACES, purge_expired
from tests.factories import StudentFactory
from tests.markers import committing_db
from tests.school.retention_support import JPEG, ago, on_disk
from tests.support.unknown_faces import centroid, unknown_face

pytestmark = committing_db

RNG = np.random.default_rng(5)
PERSON_A = RNG.normal(0, 0.09, 128)  # people ~1.4 apart; their faces 0.11 around them
PERSON_B = RNG.normal(0, 0.09, 128)


def photo(person: np.ndarray) -> np.ndarray:
    return person + RNG.normal(0, 0.01, 128)


def test_expired_faces_go_with_their_files_and_their_groups_follow(settings: Any) -> None:
    old_a = [unknown_face(photo(PERSON_A), seen_at=ago(40), crop=JPEG) for _ in range(2)]
    recent_a = unknown_face(photo(PERSON_A), seen_at=ago(2), crop=JPEG)
    old_b = unknown_face(photo(PERSON_B), seen_at=ago(31), crop=JPEG)
    cluster_new_faces()
    group_a, group_b = FaceGroup.objects.get(faces=recent_a), FaceGroup.objects.get(faces=old_b)
    assert group_a.size == 3
    crops = [face.crop.name for face in (*old_a, old_b)]

    report = purge_expired()

    assert report[UNKNOWN_FACES].rows == 3 and report[UNKNOWN_FACES].files == 3
    assert list(UnknownFace.objects.values_list("pk", flat=True)) == [recent_a.pk]
    assert not any(on_disk(name) for name in crops)
    assert on_disk(recent_a.crop.name)
    group_a.refresh_from_db()
    assert group_a.size == 1
    assert np.allclose(centroid(group_a), np.frombuffer(bytes(recent_a.encoding), np.float32))
    assert group_a.first_seen_at == recent_a.seen_at
    assert not FaceGroup.objects.filter(pk=group_b.pk).exists()  # an open group left empty goes
    assert purge_expired()[UNKNOWN_FACES].rows == 0


def test_faces_of_a_group_assigned_to_a_student_stay_and_a_decided_group_outlives_its_faces(settings: Any) -> None:
    student_face = unknown_face(photo(PERSON_A), seen_at=ago(60), crop=JPEG)
    visitor_face = unknown_face(photo(PERSON_B), seen_at=ago(60), crop=JPEG)
    cluster_new_faces()
    FaceGroup.objects.filter(faces=student_face).update(
        decision=FaceGroup.Decision.STUDENT, student=StudentFactory(consenting=True)
    )
    visitor = FaceGroup.objects.get(faces=visitor_face)
    FaceGroup.objects.filter(pk=visitor.pk).update(decision=FaceGroup.Decision.NOT_A_STUDENT)

    purge_expired()

    assert list(UnknownFace.objects.values_list("pk", flat=True)) == [student_face.pk]
    assert on_disk(student_face.crop.name)
    visitor.refresh_from_db()
    assert visitor.size == 0 and visitor.decision == FaceGroup.Decision.NOT_A_STUDENT


def test_a_dry_run_lists_the_expired_faces_and_keeps_them(settings: Any, english: None) -> None:
    face = unknown_face(photo(PERSON_A), seen_at=ago(45), crop=JPEG)
    out = StringIO()

    call_command("purge_expired", "--dry-run", verbosity=2, stdout=out)

    assert "unknown faces kept for review (crop and encoding), older than 30 days: 1 (files: 1)" in out.getvalue()
    assert f"unknown face {face.pk}: {face.crop.name}" in out.getvalue()
    assert UnknownFace.objects.filter(pk=face.pk).exists() and on_disk(face.crop.name)
