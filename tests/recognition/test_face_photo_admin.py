from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recognition.models import FacePhoto
from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory
from tests.markers import committing_db
from tests.support import images

pytestmark = committing_db


@pytest.fixture
def secretary(client: Client) -> Client:
    client.force_login(SecretaryFactory())
    return client


def photo_file(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, images.fixture_bytes(name) if data is None else data)


def test_uploading_on_the_add_page_encodes_and_shows_the_face_box_on_the_student(
    secretary: Client, consenting_student: Student
) -> None:
    response = secretary.post(
        "/admin/recognition/facephoto/add/", {"student": consenting_student.pk, "image": photo_file("obama.jpg")}
    )

    assert response.status_code == 302
    photo = FacePhoto.objects.get(student=consenting_student)
    assert photo.status == "ready"
    page = secretary.get(f"/admin/school/student/{consenting_student.pk}/change/").content.decode()
    assert f"/recognition/faces/{photo.pk}/image" in page
    box = re.search(r'class="face-box"[^>]*><rect x="([\d.]+)%" y="([\d.]+)%" width="([\d.]+)%"', page)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(100 * photo.box_left / photo.width, abs=0.01)


def test_the_add_page_explains_why_a_student_without_consent_is_refused(secretary: Client) -> None:
    student = StudentFactory()

    response = secretary.post(
        "/admin/recognition/facephoto/add/", {"student": student.pk, "image": photo_file("obama.jpg")}
    )

    assert response.status_code == 200
    assert "no biometric consent" in response.content.decode()
    assert not FacePhoto.objects.exists()


def test_bulk_upload_reports_a_result_per_file_including_zip_members(secretary: Client) -> None:
    obama = StudentFactory(consenting=True, registration="2024001")
    biden = StudentFactory(consenting=True, registration="2024002")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("fotos/2024002.jpg", images.fixture_bytes("biden.jpg"))
        zipped.writestr("fotos/2024002-2.jpg", images.fixture_bytes("two_people.jpg"))
        zipped.writestr("__MACOSX/._2024002.jpg", b"resource fork")

    response = secretary.post(
        "/admin/recognition/facephoto/bulk-upload/",
        {
            "files": [
                photo_file("2024001.jpg", images.fixture_bytes("obama.jpg")),
                photo_file("2024001-2.jpg", images.fixture_bytes("obama2.jpg")),
                photo_file("9999999.jpg", images.fixture_bytes("obama.jpg")),
                photo_file("fotos.zip", archive.getvalue()),
            ]
        },
    )

    assert response.status_code == 200
    rows = {result.filename: (result.status, result.code) for result in response.context["results"]}
    assert rows == {
        "2024001.jpg": ("ready", ""),
        "2024001-2.jpg": ("ready", ""),
        "9999999.jpg": ("refused", "unknown_student"),
        "2024002.jpg": ("ready", ""),
        "2024002-2.jpg": ("rejected", "multiple_faces"),
    }
    assert FacePhoto.objects.filter(student=obama, status="ready").count() == 2
    assert FacePhoto.objects.filter(student=biden).count() == 2
    assert 'id="bulk-results"' in response.content.decode()


def test_the_student_list_filters_students_without_a_usable_face(secretary: Client) -> None:
    enrolled = StudentFactory(consenting=True, full_name="Com Foto")
    StudentFactory(consenting=True, full_name="Sem Foto")
    secretary.post("/admin/recognition/facephoto/add/", {"student": enrolled.pk, "image": photo_file("obama.jpg")})

    without = secretary.get("/admin/school/student/?usable_face=no")
    with_face = secretary.get("/admin/school/student/?usable_face=yes")

    assert [s.full_name for s in without.context["cl"].result_list] == ["Sem Foto"]
    assert [s.full_name for s in with_face.context["cl"].result_list] == ["Com Foto"]
