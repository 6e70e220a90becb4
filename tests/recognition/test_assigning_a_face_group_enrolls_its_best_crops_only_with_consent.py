"""POST /api/review/groups/<id>/assign with `enroll`: the group's best N crops become the student's face photos,
through the enrollment checks; without consent (or with a crop the checks reject) nothing is written at all."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from recognition.models import FaceGroup, FacePhoto, UnknownFace
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.review_support import OBAMA_CROPS, make_group
from tests.support.images import fixture_bytes

# Committed: the encoding task runs at the commit (embedded mode), as it does for the secretary.
pytestmark = committing_db


@pytest.fixture
def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def assign(client: APIClient, group: FaceGroup, student_id: int, enroll: int = 0) -> Any:
    return client.post(
        f"/api/review/groups/{group.pk}/assign", {"student_id": student_id, "enroll": enroll}, format="json"
    )


def test_with_consent_the_best_two_crops_become_ready_face_photos(secretary: APIClient) -> None:
    student = StudentFactory(consenting=True, full_name="Barack Obama")
    group = make_group()

    response = assign(secretary, group, student.pk, enroll=2)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["group"]["decision"] == "student" and body["group"]["student"]["id"] == student.pk
    assert body["face_photo_count"] == 2
    photos = FacePhoto.objects.filter(student=student)
    best_two = {hashlib.sha256(fixture_bytes(name)).hexdigest() for name, _ in OBAMA_CROPS[:2]}
    assert {photo.content_hash for photo in photos} == best_two
    assert {photo.status for photo in photos} == {FacePhoto.Status.READY}  # encoded: the checks passed
    group.refresh_from_db()
    assert group.decision == FaceGroup.Decision.STUDENT and group.student == student
    assert group.decided_by is not None and group.decided_at is not None


def test_without_enroll_the_group_is_assigned_and_no_photo_is_made(secretary: APIClient) -> None:
    student = StudentFactory(consenting=False)
    group = make_group()

    response = assign(secretary, group, student.pk)

    assert response.status_code == 200
    assert not FacePhoto.objects.exists()
    group.refresh_from_db()
    assert group.decision == FaceGroup.Decision.STUDENT


def test_without_consent_enrolling_is_refused_and_nothing_is_written(secretary: APIClient) -> None:
    student = StudentFactory(consenting=False)
    group = make_group()

    response = assign(secretary, group, student.pk, enroll=2)

    assert response.status_code == 422
    assert response.json()["code"] == "no_consent"
    assert not FacePhoto.objects.exists()
    group.refresh_from_db()
    assert (group.decision, group.student, group.decided_at) == (FaceGroup.Decision.OPEN, None, None)


def test_a_crop_the_enrollment_checks_reject_refuses_everything(secretary: APIClient) -> None:
    student = StudentFactory(consenting=True)
    group = make_group()
    # The second best crop is a picture without a face: the first one must not be enrolled either.
    second = UnknownFace.objects.filter(group=group).order_by("-quality")[1]
    second.crop.save("noface.jpg", ContentFile(_landscape()), save=True)

    response = assign(secretary, group, student.pk, enroll=2)

    assert response.status_code == 422
    assert response.json()["code"] in {"no_face", "not_an_image"}
    assert not FacePhoto.objects.exists()
    group.refresh_from_db()
    assert group.decision == FaceGroup.Decision.OPEN


def _landscape() -> bytes:
    """A picture with no face in it."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_an_unknown_student_is_422_and_a_decided_group_is_409(secretary: APIClient) -> None:
    group = make_group(encodings=False)

    assert assign(secretary, group, 999_999).json()["code"] == "unknown_student"
    student = StudentFactory()
    assert assign(secretary, group, student.pk).status_code == 200
    again = assign(secretary, group, student.pk)
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_teachers_and_anonymous_callers_may_not_decide() -> None:
    group = make_group(encodings=False)
    student = StudentFactory()
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    assert assign(teacher, group, student.pk).status_code == 403
    assert assign(APIClient(), group, student.pk).status_code in {401, 403}
    group.refresh_from_db()
    assert group.decision == FaceGroup.Decision.OPEN
