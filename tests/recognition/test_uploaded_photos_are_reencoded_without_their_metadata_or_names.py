"""Face and gallery photos are stored re-encoded from their pixels: no EXIF (GPS), ICC profile or comment, nothing a
crafted file carries after its picture (an HTML page, a ZIP: a polyglot), upright, under a random name whatever the
uploaded one; they are served back with the stored type and `nosniff`."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from rest_framework.test import APIClient

from recognition.models import FacePhoto, Gallery, GalleryPhoto
from school.models import Student
from tests.factories import SecretaryFactory
from tests.recognition.conftest import upload
from tests.support import images

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
RANDOM_NAME = re.compile(r"^(faces|galleries)/[0-9a-f]{32}\.(jpg|png)$")


def phone_jpeg() -> bytes:
    """A portrait as a phone saves it: EXIF with the GPS position, an ICC profile and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (23.0, 33.0, 1.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (46.0, 38.0, 2.0),
    }
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    images.fixture_rgb("obama.jpg").save(
        buffer, "JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc, comment=b"home address"
    )
    return buffer.getvalue()


def polyglot() -> bytes:
    """A valid JPEG followed by an HTML page and a ZIP archive: readable as all three."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.html", HTML)
    return images.fixture_bytes("obama.jpg") + HTML + archive.getvalue()


def stored_bytes(photo: FacePhoto | GalleryPhoto) -> bytes:
    with photo.image.open("rb") as handle:
        return handle.read()


def assert_clean(data: bytes, expected_format: str = "JPEG") -> None:
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == expected_format
        assert not stored.getexif()
        assert not {"exif", "icc_profile", "comment"} & set(stored.info)
    assert b"PhoneMaker" not in data and b"home address" not in data


def test_a_phone_photo_is_stored_without_exif_gps_icc_or_comment_under_a_random_name(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    response = upload(secretary_api, consenting_student, "../../evil.php.jpg", phone_jpeg())

    assert response.status_code == 201
    photo = FacePhoto.objects.get(pk=response.json()["id"])
    assert RANDOM_NAME.match(photo.image.name), photo.image.name
    assert "evil" not in photo.image.name and ".." not in photo.image.name
    assert_clean(stored_bytes(photo))


def test_a_polyglot_is_stored_as_its_picture_alone(secretary_api: APIClient, consenting_student: Student) -> None:
    response = upload(secretary_api, consenting_student, "evil.php", polyglot())

    assert response.status_code == 201
    photo = FacePhoto.objects.get(pk=response.json()["id"])
    data = stored_bytes(photo)
    assert photo.image.name.endswith(".jpg")
    assert HTML not in data and b"payload.html" not in data and b"PK\x03\x04" not in data
    assert data.endswith(b"\xff\xd9")  # the JPEG ends where the picture ends
    assert not zipfile.is_zipfile(io.BytesIO(data))


def test_the_exif_orientation_is_baked_into_the_stored_pixels(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    rotated = images.exif_rotated_jpeg("obama.jpg", 6)

    response = upload(secretary_api, consenting_student, "phone.jpg", rotated)

    photo = FacePhoto.objects.get(pk=response.json()["id"])
    with Image.open(io.BytesIO(stored_bytes(photo))) as stored:
        assert stored.size == images.fixture_rgb("obama.jpg").size == (photo.width, photo.height)
        assert ExifTags.Base.Orientation not in stored.getexif()


def test_a_png_stays_a_png_without_its_text_chunks(secretary_api: APIClient, consenting_student: Student) -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "home address")
    buffer = io.BytesIO()
    images.fixture_rgb("obama.jpg").save(buffer, "PNG", pnginfo=text)

    response = upload(secretary_api, consenting_student, "portrait.png", buffer.getvalue())

    photo = FacePhoto.objects.get(pk=response.json()["id"])
    assert photo.image.name.endswith(".png")
    data = stored_bytes(photo)
    assert_clean(data, "PNG")
    with Image.open(io.BytesIO(data)) as stored:
        assert "Comment" not in stored.info


def test_the_stored_photo_is_served_with_its_type_and_nosniff(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    body = upload(secretary_api, consenting_student, "photo.gif.html", polyglot()).json()
    photo = FacePhoto.objects.get(pk=body["id"])
    client = Client()
    client.force_login(SecretaryFactory())

    response = client.get(reverse("recognition:face-photo-image", args=[photo.pk]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == stored_bytes(photo)


def test_gallery_photos_are_reencoded_and_renamed_too(secretary_api: APIClient) -> None:
    gallery = Gallery.objects.create(title="Festa junina")
    files: list[Any] = [
        SimpleUploadedFile("../../evil.php.jpg", phone_jpeg()),
        SimpleUploadedFile("party.html", polyglot()),
    ]

    response = secretary_api.post(f"/api/galleries/{gallery.pk}/photos", {"files": files}, format="multipart")

    assert response.status_code == 201, response.json()
    assert [item["outcome"] for item in response.json()] == ["stored", "stored"]
    first, second = GalleryPhoto.objects.order_by("pk")
    for photo in (first, second):
        assert RANDOM_NAME.match(photo.image.name), photo.image.name
        assert_clean(stored_bytes(photo))
    assert HTML not in stored_bytes(second) and not zipfile.is_zipfile(io.BytesIO(stored_bytes(second)))


def test_a_file_that_is_not_an_image_stores_nothing(secretary_api: APIClient, consenting_student: Student) -> None:
    response = upload(secretary_api, consenting_student, "photo.jpg", HTML)

    assert response.status_code == 422
    assert response.json()["code"] == "not_an_image"
    assert not FacePhoto.objects.exists()
