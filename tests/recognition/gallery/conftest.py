from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from recognition.models import FacePhoto, Gallery, GalleryPhoto
from recognition.services.enrollment import add_face_photo
from recognition.services.gallery import add_gallery_photos
from school.models import Student
from tests.factories import StudentFactory
from tests.support.images import fixture_bytes

ENROLLED = {
    "obama": "obama.jpg",
    "biden": "biden.jpg",
    "lin": "lin-manuel-miranda.png",
    "alex": "alex-lacamoire.png",
}


@pytest.fixture
def enrolled(db: None) -> dict[str, Student]:
    """Four students, each with a ready face photo (committing tests: the encoding runs on commit)."""
    students = {}
    for key, name in ENROLLED.items():
        student = StudentFactory(consenting=True, full_name=key.title())
        add_face_photo(student, fixture_bytes(name), name)
        students[key] = student
    assert FacePhoto.objects.filter(status=FacePhoto.Status.READY).count() == len(ENROLLED)
    return students


@pytest.fixture
def gallery(db: None) -> Gallery:
    return Gallery.objects.create(title="Festa junina")


def add_photos(gallery: Gallery, *names: str) -> dict[str, GalleryPhoto]:
    """The fixture photos `names` stored in `gallery`, by name."""
    results = add_gallery_photos(gallery, [(name, fixture_bytes(name)) for name in names])
    photos = {result.filename: result.photo for result in results if result.photo is not None}
    assert len(photos) == len(names)
    return photos


def upload(client: APIClient, gallery: Gallery, files: dict[str, bytes]) -> Any:
    uploads = [SimpleUploadedFile(name, data) for name, data in files.items()]
    return client.post(f"/api/galleries/{gallery.pk}/photos", {"files": uploads}, format="multipart")
