"""A gallery face nobody is proposed for (no match, or only rejected ones) is kept for review as an UnknownFace
(its crop, its encoding, the gallery's title), once however often the photo is processed; a face that gets named
(a confirmed assignment) leaves review, and one whose last proposal is rejected joins it."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from rest_framework.test import APIClient

from recognition.models import ENCODING_DTYPE, FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob, UnknownFace
from recognition.services.enrollment import add_face_photo
from recognition.services.face_review import assign_face
from school.models import Student
from tests.factories import StudentFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import fixture_bytes

pytestmark = committing_db


@pytest.fixture
def obama(db: None) -> Student:
    """Only Barack Obama is enrolled: Joe Biden, beside him in two_people.jpg, is a stranger to the gallery."""
    student = StudentFactory(consenting=True, full_name="Obama")
    add_face_photo(student, fixture_bytes("obama.jpg"), "obama.jpg")
    return student


def process(api: APIClient, photo: GalleryPhoto) -> None:
    response: Any = api.post(f"/api/galleries/{photo.gallery_id}/photos/{photo.pk}/process-faces")
    assert response.status_code == 200, response.json()


def unmatched_face(photo: GalleryPhoto) -> PhotoFace:
    (face,) = PhotoFace.objects.filter(photo=photo, matches__isnull=True)
    return face


def test_the_unmatched_face_of_a_processed_photo_is_kept_with_its_crop_and_encoding(
    secretary_api: APIClient, obama: Student, gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]

    process(secretary_api, photo)

    (kept,) = UnknownFace.objects.all()
    biden = unmatched_face(photo)
    assert (kept.source, kept.photo_face_id, kept.where) == ("gallery", biden.pk, "Festa junina")
    assert bytes(kept.encoding) == bytes(biden.encoding) and len(np.frombuffer(kept.encoding, ENCODING_DTYPE)) == 128
    assert kept.seen_at == PhotoJob.objects.get(photo=photo).processed_at
    with kept.crop.open("rb") as stored:
        crop = cv2.imdecode(np.frombuffer(stored.read(), np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and 40 < max(crop.shape[:2]) <= 160  # the face with a margin around it


def test_processing_the_photo_again_keeps_the_same_unknown_face(
    secretary_api: APIClient, obama: Student, gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    process(secretary_api, photo)
    first = UnknownFace.objects.get()

    process(secretary_api, photo)  # new PhotoFace rows (from the cache): the unknown face follows its face

    (again,) = UnknownFace.objects.all()
    assert again.pk == first.pk and again.crop.name == first.crop.name
    assert again.photo_face_id == unmatched_face(photo).pk != first.photo_face_id


def test_a_face_assigned_to_a_student_leaves_review(secretary_api: APIClient, obama: Student, gallery: Gallery) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    process(secretary_api, photo)
    crop = UnknownFace.objects.get().crop
    assert crop.storage.exists(crop.name)

    assign_face(unmatched_face(photo), StudentFactory(full_name="Biden"), None)

    assert not UnknownFace.objects.exists()
    assert not crop.storage.exists(crop.name)


def test_a_face_whose_only_match_is_rejected_joins_review(
    secretary_api: APIClient, obama: Student, gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    process(secretary_api, photo)
    match = FaceMatch.objects.get(student=obama)

    response: Any = secretary_api.post(f"/api/faces/matches/{match.pk}/reject")

    assert response.status_code == 200, response.json()
    assert set(UnknownFace.objects.values_list("photo_face_id", flat=True)) == {
        unmatched_face(photo).pk,
        match.photo_face_id,
    }
