from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from recognition.models import Gallery, GalleryPhoto, PhotoJob
from tests.factories import TeacherFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import upload
from tests.support.images import fixture_bytes, text_file, truncated_jpeg

pytestmark = committing_db


def test_a_corrupt_file_is_refused_while_the_others_are_stored(secretary_api: APIClient, gallery: Gallery) -> None:
    files = {
        "two_people.jpg": fixture_bytes("two_people.jpg"),
        "broken.jpg": truncated_jpeg("obama.jpg", keep=0.1),
        "notes.csv": text_file(),
        "obama2.jpg": fixture_bytes("obama2.jpg"),
    }

    response: Any = upload(secretary_api, gallery, files)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [result["outcome"] for result in body] == ["stored", "refused", "refused", "stored"]
    assert [result["code"] for result in body] == ["", "not_an_image", "not_an_image", ""]
    assert GalleryPhoto.objects.filter(gallery=gallery).count() == 2
    assert PhotoJob.objects.filter(status=PhotoJob.Status.PENDING).count() == 2
    for photo in GalleryPhoto.objects.all():
        assert photo.image.name.startswith("galleries/") and default_storage.exists(photo.image.name)


def test_the_same_bytes_uploaded_again_are_the_existing_photo(secretary_api: APIClient, gallery: Gallery) -> None:
    first = upload(secretary_api, gallery, {"a.jpg": fixture_bytes("obama2.jpg")}).json()

    again = upload(secretary_api, gallery, {"b.jpg": fixture_bytes("obama2.jpg")}).json()

    assert again[0]["outcome"] == "duplicate" and again[0]["photo_id"] == first[0]["photo_id"]
    assert GalleryPhoto.objects.count() == 1


def test_a_teacher_may_not_upload_or_process(gallery: Gallery) -> None:
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    uploading = upload(teacher, gallery, {"a.jpg": fixture_bytes("obama2.jpg")})
    processing = teacher.post(f"/api/galleries/{gallery.pk}/process-all-faces")
    status = teacher.get(f"/api/galleries/{gallery.pk}/face-process-status")

    assert [r.status_code for r in (uploading, processing, status)] == [403, 403, 403]
    assert not GalleryPhoto.objects.exists()
