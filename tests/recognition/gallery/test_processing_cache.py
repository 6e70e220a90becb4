from __future__ import annotations

from typing import Any
from unittest import mock

from rest_framework.test import APIClient

from recognition.engine import FaceDetector
from recognition.models import FaceMatch, Gallery, PhotoFace, ProcessingCache
from school.models import Student
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos

pytestmark = committing_db


def test_a_second_processing_reuses_the_stored_results_without_detection(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    photos = add_photos(gallery, "two_people.jpg", "obama2.jpg")
    for photo in photos.values():
        first: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces")
        assert first.json()["cached"] is False
    before = set(FaceMatch.objects.values_list("photo_face__photo_id", "student_id"))

    with mock.patch.object(FaceDetector, "detect", side_effect=AssertionError("detection ran")):
        again = [
            secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces").json()
            for photo in photos.values()
        ]

    assert [body["cached"] for body in again] == [True, True]
    assert [body["faceCount"] for body in again] == [2, 1]
    assert set(FaceMatch.objects.values_list("photo_face__photo_id", "student_id")) == before
    assert PhotoFace.objects.count() == 3
    assert ProcessingCache.objects.count() == 2


def test_the_same_bytes_in_another_gallery_are_a_cache_hit(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    first = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{first.pk}/process-faces")
    other = Gallery.objects.create(title="Formatura")
    second = add_photos(other, "obama2.jpg")["obama2.jpg"]

    with mock.patch.object(FaceDetector, "detect", side_effect=AssertionError("detection ran")):
        body = secretary_api.post(f"/api/galleries/{other.pk}/photos/{second.pk}/process-faces").json()

    assert body["cached"] is True and [match["name"] for match in body["matches"]] == ["Obama"]


def test_an_enrollment_after_processing_invalidates_the_stored_results(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    from recognition.services.index import bump_index_version

    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    url = f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces"
    secretary_api.post(url)

    bump_index_version()  # what a newly ready face photo does
    body = secretary_api.post(url).json()

    assert body["cached"] is False


def test_expired_results_are_not_reused(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery, settings: Any
) -> None:
    settings.FACE_CACHE_TTL = 0
    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    url = f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces"
    secretary_api.post(url)

    body = secretary_api.post(url).json()

    assert body["cached"] is False


def test_processing_a_gallery_again_applies_the_stored_results_at_once_without_a_task_or_detection(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    from recognition.models import PhotoJob

    photos = add_photos(gallery, "two_people.jpg", "obama2.jpg", "biden.jpg")
    first: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/process-all-faces")
    assert first.json() == {"queued": 3, "cached": 0}
    review = FaceMatch.objects.get(photo_face__photo=photos["biden.jpg"])
    review.confirmed = True
    review.save()
    before = sorted(FaceMatch.objects.values_list("photo_face__photo_id", "photo_face__index", "student_id"))
    keys = dict(PhotoJob.objects.values_list("photo_id", "settings_used__cache_key"))
    PhotoJob.objects.update(status=PhotoJob.Status.PENDING)  # as after "reprocess everything"

    with (
        mock.patch.object(FaceDetector, "detect", side_effect=AssertionError("detection ran")),
        mock.patch("recognition.tasks.process_gallery_photo.delay", side_effect=AssertionError("a task was sent")),
    ):
        again: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/process-all-faces")

    assert again.json() == {"queued": 0, "cached": 3}
    after = sorted(FaceMatch.objects.values_list("photo_face__photo_id", "photo_face__index", "student_id"))
    assert after == before and PhotoFace.objects.count() == 4
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.DONE}
    assert dict(PhotoJob.objects.values_list("photo_id", "settings_used__cache_key")) == keys
    assert FaceMatch.objects.get(photo_face__photo=photos["biden.jpg"]).confirmed is True  # the review survives
    assert ProcessingCache.objects.count() == 3
