from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recognition.models import Gallery, GalleryPhoto, PhotoJob
from tests.factories import SecretaryFactory, TeacherFactory
from tests.recognition.gallery.pages_support import logged_in
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


def outcomes(page: str) -> dict[str, str]:
    """Each uploaded file's line in the results list, by file name."""
    results = re.search(r'<ul class="upload-results" id="upload-results">(.*?)</ul>', page, re.S)
    assert results is not None, "no upload results on the page"
    lines = re.findall(r'<li class="outcome-(\w+)">\s*<strong>([^<]+)</strong>:(.*?)</li>', results.group(1), re.S)
    return {name: f"{outcome}: {' '.join(text.split())}" for outcome, name, text in lines}


def test_the_upload_form_stores_photos_and_says_how_each_file_went(gallery: Gallery) -> None:
    client = logged_in(SecretaryFactory())
    client.post(
        f"/galleries/{gallery.pk}/upload/", {"files": [SimpleUploadedFile("first.jpg", fixture_bytes("obama2.jpg"))]}
    )
    files = [
        SimpleUploadedFile("party.jpg", fixture_bytes("two_people.jpg")),
        SimpleUploadedFile("again.jpg", fixture_bytes("obama2.jpg")),
        SimpleUploadedFile("notes.txt", b"not a photo at all"),
    ]

    response = client.post(f"/galleries/{gallery.pk}/upload/", {"files": files}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    lines = outcomes(response.content.decode())
    assert lines["party.jpg"] == "stored: stored"
    assert lines["again.jpg"] == "duplicate: already in the gallery"
    assert lines["notes.txt"].startswith("refused: refused: Not an image, or a damaged file (")
    assert GalleryPhoto.objects.filter(gallery=gallery).count() == 2
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.PENDING}


def test_the_gallery_page_has_a_plain_multiple_file_form(gallery: Gallery) -> None:
    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/").content.decode()

    assert f'action="/galleries/{gallery.pk}/upload/"' in page and 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file" name="files"[^>]* multiple', page)


def test_a_teacher_cannot_upload_through_the_page(gallery: Gallery) -> None:
    files = [SimpleUploadedFile("party.jpg", fixture_bytes("two_people.jpg"))]

    response = logged_in(TeacherFactory()).post(f"/galleries/{gallery.pk}/upload/", {"files": files})

    assert response.status_code == 403
    assert not GalleryPhoto.objects.exists()
