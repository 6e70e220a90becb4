from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from school.models import Student
from tests.factories import StudentFactory
from tests.markers import committing_db
from tests.recognition.conftest import upload
from tests.support import images

pytestmark = committing_db


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (images.text_file, "not_an_image"),
        (images.empty_bytes, "not_an_image"),
        (images.truncated_jpeg, "not_an_image"),
        (images.decompression_bomb, "too_large"),
        (images.huge_image, "too_large"),
    ],
    ids=["text", "empty", "truncated", "bomb", "huge"],
)
def test_files_that_are_not_usable_images_are_refused_and_not_stored(
    secretary_api: APIClient, consenting_student: Student, make: Callable[[], bytes], code: str
) -> None:
    response = upload(secretary_api, consenting_student, "upload.jpg", make())

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not FacePhoto.objects.exists()


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("two.jpg", lambda: images.fixture_bytes("two_people.jpg"), "multiple_faces"),
        ("blurred.png", images.blurred_face, "too_blurry"),
        ("tiny.png", images.tiny_face, "face_too_small"),
        ("no-face.png", lambda: images.blank_png(640, 480), "no_face"),
    ],
    ids=["two-people", "blurred", "tiny", "no-face"],
)
def test_photos_without_one_usable_face_are_kept_as_rejected_with_the_reason(
    secretary_api: APIClient, consenting_student: Student, name: str, make: Callable[[], bytes], code: str
) -> None:
    response = upload(secretary_api, consenting_student, name, make())

    assert response.status_code == 422
    assert response.json()["code"] == code
    photo = FacePhoto.objects.get(student=consenting_student)
    assert (photo.status, photo.rejection_code, photo.encoding) == ("rejected", code, None)


def test_a_student_without_consent_cannot_be_enrolled(secretary_api: APIClient) -> None:
    student = StudentFactory(biometric_consent=False)

    response = upload(secretary_api, student, "obama.jpg")

    assert response.status_code == 422
    assert response.json()["code"] == "no_consent"
    assert not FacePhoto.objects.exists()
