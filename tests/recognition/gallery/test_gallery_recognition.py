from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from recognition.models import FaceMatch, Gallery, PhotoFace, PhotoJob
from school.models import Student
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos

# Enrollment and queueing run on commit, as in production: these tests commit.
pytestmark = committing_db


def students_in(photo_id: int) -> set[str]:
    return set(FaceMatch.objects.filter(photo_face__photo_id=photo_id).values_list("student__full_name", flat=True))


def test_processing_every_photo_finds_the_enrolled_students_in_each(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    photos = add_photos(gallery, "two_people.jpg", "obama2.jpg")

    response: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/process-all-faces")

    assert response.status_code == 202 and response.json() == {"queued": 2, "cached": 0}
    assert students_in(photos["two_people.jpg"].pk) == {"Obama", "Biden"}
    assert students_in(photos["obama2.jpg"].pk) == {"Obama"}
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.DONE}


def test_processing_one_photo_answers_its_faces_and_matches(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]

    response: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["faceCount"] == 2 and body["cached"] is False
    assert {match["name"] for match in body["matches"]} == {"Obama", "Biden"}
    assert PhotoJob.objects.get(photo=photo).status == PhotoJob.Status.DONE


def test_a_gallery_of_classrooms_only_looks_for_their_students(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    from tests.factories import ClassroomFactory, EnrollmentFactory

    classroom = ClassroomFactory()
    EnrollmentFactory(student=enrolled["biden"], classroom=classroom, school_year=classroom.school_year)
    gallery.classrooms.add(classroom)
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]

    body = secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces").json()

    assert body["faceCount"] == 2
    assert {match["name"] for match in body["matches"]} == {"Biden"}


def test_reprocessing_replaces_the_faces_without_duplicates(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    url = f"/api/galleries/{gallery.pk}/photos/{photo.pk}/process-faces"
    secretary_api.post(url)
    first_faces = set(PhotoFace.objects.values_list("pk", flat=True))

    secretary_api.post(url)
    secretary_api.post(url, {"tolerance": 0.55}, format="json")

    assert PhotoFace.objects.filter(photo=photo).count() == 2
    assert FaceMatch.objects.filter(photo_face__photo=photo).count() == 2
    assert not first_faces & set(PhotoFace.objects.values_list("pk", flat=True))
