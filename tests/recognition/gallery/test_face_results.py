from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace
from school.models import Student
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def photo_with_faces(gallery: Gallery, number: int, *students: Student) -> GalleryPhoto:
    """A processed photo (rows only) with one face per student, each matched to that student."""
    photo = GalleryPhoto.objects.create(gallery=gallery, image=f"galleries/{number}.jpg", content_hash=f"{number:064}")
    for index, student in enumerate(students):
        face = PhotoFace.objects.create(
            photo=photo, index=index, box_top=10, box_right=60, box_bottom=60, box_left=10, encoding=b"\0" * 512
        )
        FaceMatch.objects.create(photo_face=face, student=student, distance=0.4, similarity=73.1)
    return photo


def test_the_photos_of_a_student_come_page_by_page(secretary_api: APIClient, gallery: Gallery) -> None:
    ana, bia = StudentFactory(), StudentFactory()
    with_ana = [photo_with_faces(gallery, number, ana, bia) for number in range(5)]
    photo_with_faces(gallery, 99, bia)
    url = f"/api/galleries/{gallery.pk}/face-results"

    first: Any = secretary_api.get(url, {"student": ana.pk, "limit": 2})
    last: Any = secretary_api.get(url, {"student": ana.pk, "limit": 2, "page": 3})

    assert first.status_code == 200, first.json()
    assert first.json()["count"] == 5 and "page=2" in first.json()["next"]
    assert [result["photo_id"] for result in first.json()["results"]] == [photo.pk for photo in with_ana[:2]]
    assert [result["photo_id"] for result in last.json()["results"]] == [with_ana[4].pk]
    assert last.json()["next"] is None
    faces = first.json()["results"][0]["faces"]
    assert len(faces) == 1 and [match["student"] for match in faces[0]["matches"]] == [ana.pk]


def test_a_rejected_match_no_longer_lists_the_photo(secretary_api: APIClient, gallery: Gallery) -> None:
    ana = StudentFactory()
    photo_with_faces(gallery, 1, ana)
    match = FaceMatch.objects.get()

    rejected: Any = secretary_api.post(f"/api/faces/matches/{match.pk}/reject")
    listing: Any = secretary_api.get(f"/api/galleries/{gallery.pk}/face-results", {"student": ana.pk})

    assert rejected.status_code == 200 and rejected.json()["confirmed"] is False
    assert listing.json()["count"] == 0


def test_confirming_a_match_records_who_reviewed_it(secretary_api: APIClient, gallery: Gallery) -> None:
    photo_with_faces(gallery, 1, StudentFactory())
    match = FaceMatch.objects.get()

    response: Any = secretary_api.post(f"/api/faces/matches/{match.pk}/confirm")

    assert response.status_code == 200
    match.refresh_from_db()
    assert match.confirmed is True and match.reviewed_by is not None and match.reviewed_at is not None


def test_the_face_detail_lists_every_face_with_its_candidates(secretary_api: APIClient, gallery: Gallery) -> None:
    ana, bia = StudentFactory(), StudentFactory()
    photo = photo_with_faces(gallery, 1, ana, bia)

    response: Any = secretary_api.get(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/face-detail")

    assert response.status_code == 200
    body = response.json()
    assert body["photo_id"] == photo.pk and body["job_status"] == "pending"
    assert [face["index"] for face in body["faces"]] == [0, 1]
    assert body["faces"][0]["box"] == {"top": 10, "right": 60, "bottom": 60, "left": 10}
    assert [face["matches"][0]["student_name"] for face in body["faces"]] == [ana.full_name, bia.full_name]


def test_a_photo_of_another_gallery_is_not_found(secretary_api: APIClient, gallery: Gallery) -> None:
    photo = photo_with_faces(Gallery.objects.create(title="Outra"), 1)

    response = secretary_api.get(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/face-detail")

    assert response.status_code == 404
