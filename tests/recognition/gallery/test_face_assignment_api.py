from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from recognition.models import FaceMatch, FacePhoto, Gallery, GalleryPhoto
from recognition.services.gallery import add_gallery_photos, process_photo
from tests.factories import StudentFactory, TeacherFactory
from tests.recognition.gallery.pages_support import processed_photo
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


def assign(client: APIClient, photo: GalleryPhoto, index: int, **body: Any) -> Any:
    url = f"/api/galleries/{photo.gallery_id}/photos/{photo.pk}/faces/{index}/assign"
    return client.post(url, body, format="json")


def test_assigning_answers_the_confirmed_match(secretary_api: APIClient, gallery: Gallery) -> None:
    student = StudentFactory(full_name="Ana Souza")
    photo = processed_photo(gallery, 1, (None, None))

    response = assign(secretary_api, photo, 0, student_id=student.pk)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["match"]["student"] == student.pk and body["match"]["student_name"] == "Ana Souza"
    assert body["match"]["confirmed"] is True and body["match"]["distance"] == 1.0
    assert body["created"] is True and body["face_photo"] is None
    assert FaceMatch.objects.get().confirmed is True


def test_an_unknown_student_is_a_422(secretary_api: APIClient, gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1, (None, None))

    response = assign(secretary_api, photo, 0, student_id=999_999)

    assert response.status_code == 422 and response.json()["code"] == "unknown_student"
    assert not FaceMatch.objects.exists()


def test_enrolling_without_biometric_consent_is_a_422(secretary_api: APIClient, gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1, (None, None))
    student = StudentFactory(biometric_consent=False)

    response = assign(secretary_api, photo, 0, student_id=student.pk, enroll=True)

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert not FaceMatch.objects.exists() and not FacePhoto.objects.exists()


def test_a_face_too_small_to_enroll_is_a_422_with_its_reason(secretary_api: APIClient, gallery: Gallery) -> None:
    party = Image.open(io.BytesIO(fixture_bytes("two_people.jpg")))
    small = io.BytesIO()
    party.resize((round(party.width * 0.3), round(party.height * 0.3))).save(small, "JPEG", quality=95)
    photo = add_gallery_photos(gallery, [("small.jpg", small.getvalue())])[0].photo
    assert photo is not None
    process_photo(photo)
    student = StudentFactory(consenting=True)

    response = assign(secretary_api, photo, 0, student_id=student.pk, enroll=True)

    assert response.status_code == 422 and response.json()["code"] == "face_too_small"
    assert not FaceMatch.objects.filter(student=student).exists() and not FacePhoto.objects.exists()


def test_a_face_that_does_not_exist_is_not_found(secretary_api: APIClient, gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1, (None, None))
    other = processed_photo(Gallery.objects.create(title="Formatura"), 2, (None, None))
    student = StudentFactory()

    missing_index = assign(secretary_api, photo, 5, student_id=student.pk)
    wrong_gallery = secretary_api.post(
        f"/api/galleries/{gallery.pk}/photos/{other.pk}/faces/0/assign", {"student_id": student.pk}, format="json"
    )

    assert missing_index.status_code == wrong_gallery.status_code == 404


def test_a_teacher_cannot_assign_faces(gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1, (None, None))
    client = APIClient()
    client.force_authenticate(TeacherFactory())

    response = assign(client, photo, 0, student_id=StudentFactory().pk)

    assert response.status_code == 403 and not FaceMatch.objects.exists()


def test_the_assign_endpoint_is_in_the_openapi_schema_without_warnings(client: Client, tmp_path: Path) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    operation = paths["/api/galleries/{gallery_id}/photos/{photo_id}/faces/{index}/assign"]["post"]

    assert set(operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1:]) == {
        "AssignFaceRequest"
    }
    assert "200" in operation["responses"]
    # Fails (SystemExit) on any warning of the generator, for this endpoint or another.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
