"""Rejecting a gallery match keeps the face as a negative example of the student: the face (in any photo) is never
that student again, while the student's own photos still are."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from recognition.models import FaceMatch, FacePhoto, Gallery, NegativeExample
from recognition.services.enrollment import add_face_photo
from tests.factories import StudentFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import fixture_bytes

pytestmark = committing_db


def recognised(client: APIClient, name: str) -> list[list[int]]:
    response: Any = client.post(
        "/api/recognize", {"image": SimpleUploadedFile(name, fixture_bytes(name))}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    return [[match["student_id"] for match in face["matches"]] for face in response.json()["faces"]]


def test_a_rejected_match_records_a_negative_and_never_matches_again(
    secretary_api: APIClient, gallery: Gallery
) -> None:
    obama, biden = StudentFactory(consenting=True), StudentFactory(consenting=True)
    add_face_photo(obama, fixture_bytes("obama2.jpg"), "obama2.jpg")
    add_face_photo(biden, fixture_bytes("biden.jpg"), "biden.jpg")
    assert FacePhoto.objects.filter(status=FacePhoto.Status.READY).count() == 2
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    process = f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces"
    secretary_api.post(process)
    match = FaceMatch.objects.get(photo_face__photo=photo, student=obama)
    assert sorted(faces[:1] for faces in recognised(secretary_api, "two_people.jpg")) == sorted(
        [[obama.pk], [biden.pk]]
    )

    response: Any = secretary_api.post(f"/api/faces/matches/{match.pk}/reject")
    secretary_api.post(f"/api/faces/matches/{match.pk}/reject")  # twice: one negative

    assert response.status_code == 200 and response.json()["confirmed"] is False
    negative = NegativeExample.objects.get()
    assert negative.student == obama and negative.source == NegativeExample.Source.GALLERY_REJECTION
    assert bytes(negative.encoding) == bytes(match.photo_face.encoding)
    # Recognising the photo again: that face is nobody now; Biden is still Biden.
    faces = recognised(secretary_api, "two_people.jpg")
    assert all(obama.pk not in students for students in faces)
    assert [biden.pk] in [students[:1] for students in faces]
    # Processing the gallery photo again proposes him for no face, and keeps the rejection.
    secretary_api.post(process)
    assert not FaceMatch.objects.filter(photo_face__photo=photo, student=obama).exclude(confirmed=False).exists()
    # His own photo still is him.
    assert recognised(secretary_api, "obama2.jpg")[0][:1] == [obama.pk]


def test_confirming_a_rejected_match_takes_the_negative_back(secretary_api: APIClient, gallery: Gallery) -> None:
    obama = StudentFactory(consenting=True)
    add_face_photo(obama, fixture_bytes("obama.jpg"), "obama.jpg")
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces")
    match = FaceMatch.objects.get(photo_face__photo=photo, student=obama)
    secretary_api.post(f"/api/faces/matches/{match.pk}/reject")
    assert NegativeExample.objects.filter(student=obama).count() == 1

    secretary_api.post(f"/api/faces/matches/{match.pk}/confirm")

    assert not NegativeExample.objects.exists()
    assert [obama.pk] in [faces[:1] for faces in recognised(secretary_api, "two_people.jpg")]
