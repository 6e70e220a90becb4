from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from school.models import AccessKind, AccessLog
from tests.markers import committing_db
from tests.school.student_data_support import StudentData, staff_with, student_with_everything

pytestmark = committing_db  # enrollment and gallery processing run on commit, as in production

KINDS = (
    "student.json",
    "guardians.json",
    "enrollments.json",
    "consents.json",
    "presences.json",
    "sightings.json",
    "face_photos.json",
    "gallery_appearances.json",
    "justifications.json",
    "absence_notices.json",
    "access_log.json",
)


@pytest.fixture
def data(db: None) -> StudentData:
    return student_with_everything()


def opened(data: bytes) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    documents = {
        name: json.loads(archive.read(name).decode("utf-8")) for name in archive.namelist() if name.endswith(".json")
    }
    return archive, documents


def image_size(archive: zipfile.ZipFile, name: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(archive.read(name))) as image:
        image.load()  # decodes the whole file: a truncated one fails here
        return image.size


def check_export(raw: bytes, data: StudentData) -> None:
    archive, documents = opened(raw)
    assert set(KINDS) | {"manifest.json"} <= set(documents)
    student = documents["student.json"]
    assert student["registration"] == "2024001" and student["full_name"] == "Joe Biden"
    assert student["biometric_consent"] is True and student["image_consent"] is True
    assert [g["name"] for g in documents["guardians.json"]] == ["Jill Biden"]
    assert documents["guardians.json"][0]["relation"] == "mãe"  # UTF-8, not \u escapes
    assert "mãe" in archive.read("guardians.json").decode("utf-8")
    assert [e["classroom"] for e in documents["enrollments.json"]] == ["3AT.I"]

    [consent] = documents["consents.json"]
    assert consent["kind"] == "biometric" and consent["granted"] is True and consent["terms"]["version"] == "1"
    assert archive.read(consent["signed_form"]).startswith(b"%PDF-")

    [presence] = documents["presences.json"]
    assert presence["status"] == "late" and presence["lesson"]["classroom"] == "3AT.I"
    assert [(c["from"], c["to"], c["changed_by"]) for c in presence["changes"]] == [("present", "late", "secretaria")]
    assert "T" in presence["first_seen"] and presence["first_seen"].endswith("-03:00")  # ISO, the school's zone

    [sighting] = documents["sightings.json"]
    assert sighting["distance"] == pytest.approx(0.31)
    assert image_size(archive, sighting["face_crop"]) == (96, 96)

    [face_photo] = documents["face_photos.json"]
    assert face_photo["status"] == "ready" and len(face_photo["encoding"]) == 128
    width, height = image_size(archive, face_photo["image"])
    assert (width, height) == (data.face_photo.width, data.face_photo.height)

    # Only the student's own face, cut from the gallery photo: Obama, beside him, is not in the export.
    [appearance] = documents["gallery_appearances.json"]
    assert appearance["gallery"] == "Festa junina" and appearance["photo_id"] == data.gallery_photo.pk
    crop_width, crop_height = image_size(archive, appearance["face_image"])
    box = appearance["face_box"]
    assert crop_width < (data.gallery_photo.width or 0) / 2
    assert box["right"] - box["left"] <= crop_width <= 1.5 * (box["right"] - box["left"]) + 2
    assert box["bottom"] - box["top"] <= crop_height

    [justification] = documents["justifications.json"]
    assert justification["reason"] == "Atestado médico" and archive.read(justification["document"]).startswith(b"%PDF-")
    [notice] = documents["absence_notices.json"]
    assert notice["kind"] == "consecutive_absence" and notice["details"] == {"days": 3}
    assert [(e["address"], e["status"], e["attempts"]) for e in notice["emails"]] == [
        ("familia@example.com", "sent", 2)
    ]
    assert {(entry["kind"], entry["user"]) for entry in documents["access_log.json"]} >= {("face_photo", "secretaria")}

    manifest = documents["manifest.json"]
    assert manifest["entries"]["presences.json"] == 1 and manifest["files"] == 5 and manifest["missing_files"] == 0
    images = [name for name in archive.namelist() if name.startswith("images/")]
    assert len(images) == 3 and all(image_size(archive, name) for name in images)


def test_the_command_writes_a_zip_holding_each_kind_of_data(data: StudentData, tmp_path: Path) -> None:
    output = tmp_path / "export.zip"
    out = io.StringIO()

    call_command("export_student", "2024001", "--output", str(output), stdout=out)

    check_export(output.read_bytes(), data)
    assert str(output) in out.getvalue()
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != "media") == ["export.zip"]  # no leftovers
    assert output.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    entry = AccessLog.objects.get(kind=AccessKind.DATA_EXPORT)
    assert entry.student == data.student and entry.user is None and "entries" in entry.target


def test_the_admin_downloads_the_same_zip_for_who_may_export(client: Client, data: StudentData) -> None:
    client.force_login(staff_with("view_student", "export_student_data"))

    page = client.get(f"/admin/school/student/{data.student.pk}/change/")
    response: Any = client.get(f"/admin/school/student/{data.student.pk}/export/")

    assert f'href="/admin/school/student/{data.student.pk}/export/"' in page.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="student-2024001-')
    check_export(response.getvalue(), data)
    assert AccessLog.objects.filter(kind=AccessKind.DATA_EXPORT, student=data.student).count() == 1


def test_who_may_not_export_gets_no_button_and_a_403(client: Client, data: StudentData) -> None:
    client.force_login(staff_with("view_student", "change_student"))

    page = client.get(f"/admin/school/student/{data.student.pk}/change/")
    response = client.get(f"/admin/school/student/{data.student.pk}/export/")

    assert page.status_code == 200 and "/export/" not in page.content.decode()
    assert response.status_code == 403
    assert not AccessLog.objects.filter(kind=AccessKind.DATA_EXPORT).exists()
