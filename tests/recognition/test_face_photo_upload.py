from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from school.models import Student
from tests.factories import StudentFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.conftest import upload

# Uploads queue their encoding on commit, as in production: these tests commit.
pytestmark = committing_db


def test_a_good_photo_becomes_a_ready_face_with_its_box(secretary_api: APIClient, consenting_student: Student) -> None:
    response: Any = upload(secretary_api, consenting_student, "obama.jpg")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["student"] == consenting_student.pk
    box = body["box"]
    assert 0 <= box["left"] < box["right"] <= body["width"] and 0 <= box["top"] < box["bottom"] <= body["height"]
    assert body["face_size_px"] >= 100
    photo = FacePhoto.objects.get(pk=body["id"])
    assert photo.encoding_array().shape == (128,)
    assert default_storage.exists(photo.image.name)


def test_the_same_bytes_uploaded_again_are_not_encoded_again(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    first: Any = upload(secretary_api, consenting_student, "biden.jpg")
    processed_at = FacePhoto.objects.get().processed_at

    again: Any = upload(secretary_api, consenting_student, "biden.jpg")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate"] is True
    assert FacePhoto.objects.count() == 1
    assert FacePhoto.objects.get().processed_at == processed_at


def test_the_same_bytes_for_another_student_are_a_separate_photo(secretary_api: APIClient) -> None:
    first, second = StudentFactory(consenting=True), StudentFactory(consenting=True)

    upload(secretary_api, first, "obama.jpg")
    response: Any = upload(secretary_api, second, "obama.jpg")

    assert response.status_code == 201
    assert FacePhoto.objects.filter(student=second).count() == 1


def test_listing_returns_the_students_photos_only(secretary_api: APIClient, consenting_student: Student) -> None:
    upload(secretary_api, consenting_student, "obama.jpg")
    upload(secretary_api, consenting_student, "obama2.jpg")
    other = StudentFactory(consenting=True)
    upload(secretary_api, other, "biden.jpg")

    response = secretary_api.get(f"/api/students/{consenting_student.pk}/faces")

    assert response.status_code == 200
    assert [photo["student"] for photo in response.json()] == [consenting_student.pk, consenting_student.pk]


def test_deleting_a_photo_removes_its_row_and_file(secretary_api: APIClient, consenting_student: Student) -> None:
    photo_id = upload(secretary_api, consenting_student, "obama.jpg").json()["id"]  # type: ignore[attr-defined]
    name = FacePhoto.objects.get(pk=photo_id).image.name

    response = secretary_api.delete(f"/api/faces/{photo_id}")

    assert response.status_code == 204
    assert not FacePhoto.objects.filter(pk=photo_id).exists()
    assert not default_storage.exists(name)


def test_anonymous_users_are_refused(consenting_student: Student) -> None:
    anonymous = APIClient()

    responses = [
        upload(anonymous, consenting_student, "obama.jpg"),
        anonymous.get(f"/api/students/{consenting_student.pk}/faces"),
        anonymous.delete("/api/faces/1"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]  # type: ignore[attr-defined]
    assert all(r.json()["code"] == "not_authenticated" for r in responses)  # type: ignore[attr-defined]
    assert not FacePhoto.objects.exists()


def test_a_teacher_may_see_photos_but_not_upload_or_delete(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    photo_id = upload(secretary_api, consenting_student, "obama.jpg").json()["id"]  # type: ignore[attr-defined]
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    listing = teacher.get(f"/api/students/{consenting_student.pk}/faces")
    posting: Any = upload(teacher, consenting_student, "obama2.jpg")
    deleting = teacher.delete(f"/api/faces/{photo_id}")

    assert listing.status_code == 200 and len(listing.json()) == 1
    assert posting.status_code == 403 and posting.json()["code"] == "permission_denied"
    assert deleting.status_code == 403
    assert FacePhoto.objects.count() == 1


def test_the_stored_image_is_served_to_staff_only(
    client: Any, secretary_api: APIClient, consenting_student: Student
) -> None:
    body = upload(secretary_api, consenting_student, "obama.jpg").json()  # type: ignore[attr-defined]

    anonymous = client.get(body["image_url"])
    client.force_login(TeacherFactory())
    teacher = client.get(body["image_url"])

    assert anonymous.status_code == 403
    assert teacher.status_code == 200 and teacher["Content-Type"] == "image/jpeg"
    assert b"".join(teacher.streaming_content)[:2] == b"\xff\xd8"
