"""Recognition requests, device sightings and uploads have a rate each (THROTTLE_RECOGNIZE, THROTTLE_SIGHTINGS,
THROTTLE_UPLOADS), counted per device or per user: past it, 429 in the API's error shape with Retry-After. The tests
set the rates low; a device posting a sighting every second stays well within the default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from attendance.models import Device
from recognition.models import Gallery
from tests.attendance.conftest import in_session, post_sighting
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # The counts live in the cache, which outlives a test (the process's memory): each test starts from none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings: Any) -> dict[str, str]:
    rates = {"recognize": "2/minute", "sightings": "3/minute", "uploads": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    return rates


def device_client(name: str = "gateway") -> APIClient:
    device = Device(name=name)
    key = device.issue_key()
    device.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def secretary_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"code", "detail"}
    assert body["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.fixture
def sighting() -> dict[str, Any]:
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student=StudentFactory(consenting=True)).student
    return {"classroom_code": "3AT.I", "student_id": student.pk, "distance": 0.3}


def test_a_device_posting_sightings_too_fast_gets_429_and_another_device_does_not(
    rates: dict[str, str], sighting: dict[str, Any]
) -> None:
    device, other = device_client("gateway"), device_client("door")

    answers = [post_sighting(device, **sighting).status_code for _ in range(3)]
    throttled = post_sighting(device, **sighting)

    assert 429 not in answers
    assert_throttled(throttled)
    assert post_sighting(other, **sighting).status_code in (200, 201)


def test_a_device_posting_a_sighting_every_second_is_not_throttled_by_default(sighting: dict[str, Any]) -> None:
    device = device_client()

    # A minute's worth at once: stricter than one a second, since the default counts over a minute.
    answers = {post_sighting(device, **sighting).status_code for _ in range(61)}

    assert answers <= {200, 201}


def test_recognition_requests_are_counted_per_user(rates: dict[str, str]) -> None:
    user, other = secretary_api(), secretary_api()

    answers = [user.post("/api/recognize", {}, format="multipart").status_code for _ in range(2)]
    throttled = user.post("/api/recognize", {}, format="multipart")

    assert answers == [400, 400]  # no image: refused, and counted all the same
    assert_throttled(throttled)
    assert other.post("/api/recognize", {}, format="multipart").status_code == 400


def test_face_uploads_are_throttled_but_reading_the_faces_is_not(rates: dict[str, str]) -> None:
    client = secretary_api()
    student = StudentFactory(consenting=True)
    url = f"/api/students/{student.pk}/faces"

    for _ in range(2):
        client.post(url, {"image": SimpleUploadedFile("a.jpg", b"not an image")}, format="multipart")
    throttled = client.post(url, {"image": SimpleUploadedFile("a.jpg", b"not an image")}, format="multipart")

    assert_throttled(throttled)
    assert client.get(url).status_code == 200


def test_gallery_uploads_through_the_api_and_the_page_share_one_count(rates: dict[str, str]) -> None:
    secretary = SecretaryFactory()
    api, page = APIClient(), Client()
    api.force_authenticate(secretary)
    page.force_login(secretary)
    gallery = Gallery.objects.create(title="Festa junina")

    through_api = api.post(
        f"/api/galleries/{gallery.pk}/photos",
        {"files": [SimpleUploadedFile("one.jpg", fixture_bytes("obama.jpg"))]},
        format="multipart",
    )
    through_page = page.post(f"/galleries/{gallery.pk}/upload/", {})
    throttled_page = page.post(f"/galleries/{gallery.pk}/upload/", {})
    throttled_api = api.post(f"/api/galleries/{gallery.pk}/photos", {}, format="multipart")

    assert through_api.status_code == 201
    assert through_page.status_code == 200
    assert throttled_page.status_code == 429
    assert 1 <= int(throttled_page["Retry-After"]) <= 60
    assert_throttled(throttled_api)


def test_the_bulk_enrollment_form_is_throttled_and_showing_it_is_not(rates: dict[str, str]) -> None:
    client = Client()
    client.force_login(SecretaryFactory())
    url = "/admin/recognition/facephoto/bulk-upload/"

    answers = [client.post(url, {}).status_code for _ in range(2)]
    throttled = client.post(url, {})

    assert answers == [200, 200]  # the form again: no file chosen
    assert throttled.status_code == 429
    assert client.get(url).status_code == 200
