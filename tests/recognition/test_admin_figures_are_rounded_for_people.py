"""The admin shows measured figures rounded for people, in the reader's language: a sharpness of 655.978981282562
reads as 656, a sighting's distance as 0,43 in Portuguese (0.43 in English), a camera's frame rate as 9,5."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone, translation

from attendance.models import AttendanceLog
from cameras.models import Camera
from recognition.models import FacePhoto
from school.admin_figures import figure
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db

SHARPNESS = 655.978981282562


@pytest.fixture
def secretary(client: Client) -> Client:
    client.force_login(SecretaryFactory())
    return client


def in_english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def face_photo() -> FacePhoto:
    return FacePhoto.objects.create(
        student=StudentFactory(consenting=True),
        image="faces/0.jpg",
        content_hash="0" * 64,
        status=FacePhoto.Status.READY,
        face_size_px=180,
        sharpness=SHARPNESS,
        encoding=b"\0" * 512,
    )


def test_a_face_photos_sharpness_reads_as_a_whole_number_in_the_list_and_on_its_page(
    secretary: Client, face_photo: FacePhoto
) -> None:
    listing = secretary.get("/admin/recognition/facephoto/").content.decode()
    detail = secretary.get(f"/admin/recognition/facephoto/{face_photo.pk}/change/").content.decode()

    for page in (listing, detail):
        assert "656" in page
        assert "655,97" not in page and "655.97" not in page


def test_the_students_face_photos_show_the_sharpness_rounded_too(secretary: Client, face_photo: FacePhoto) -> None:
    page = secretary.get(f"/admin/school/student/{face_photo.student_id}/change/").content.decode()

    assert "656" in page and "655,97" not in page and "655.97" not in page


def test_a_sightings_distance_has_two_decimals_with_the_languages_separator(admin_client: Client) -> None:
    classroom = ClassroomFactory()
    log = AttendanceLog.objects.create(
        student=StudentFactory(), classroom=classroom, distance=0.4312345678, seen_at=timezone.now()
    )

    portuguese = admin_client.get("/admin/attendance/attendancelog/").content.decode()
    detail = admin_client.get(f"/admin/attendance/attendancelog/{log.pk}/change/").content.decode()
    english = in_english(admin_client).get("/admin/attendance/attendancelog/").content.decode()

    assert "0,43" in portuguese and "0,4312" not in portuguese
    assert "0,43" in detail and "0,4312" not in detail
    assert "0.43" in english and "0.4312" not in english


def test_a_cameras_measured_frame_rate_has_one_decimal(admin_client: Client) -> None:
    camera = CameraFactory(state=Camera.State.RUNNING, measured_fps=9.4567891)

    listing = admin_client.get("/admin/cameras/camera/").content.decode()
    detail = admin_client.get(f"/admin/cameras/camera/{camera.pk}/change/").content.decode()

    for page in (listing, detail):
        assert "9,5" in page and "9,4567" not in page


def test_a_figure_is_rounded_to_the_places_asked_and_an_empty_one_stays_empty() -> None:
    with translation.override("pt-br"):
        assert figure(SHARPNESS) == "656"
        assert figure(0.4312345678, 2) == "0,43"
        assert figure(2.0, 1) == "2,0"  # as many places as asked, whatever the value
    with translation.override("en"):
        assert figure(0.4312345678, 2) == "0.43"
    assert figure(None) is None
