"""Each view or download of personal data (a face photo, an evidence crop, an original gallery photo, an alert
snapshot, a report export) writes one access log entry, with one INSERT: who, what, which student, from where."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from attendance.models import AttendanceLog
from monitoring.models import Alert
from recognition.models import FaceMatch, FacePhoto, Gallery, GalleryPhoto, PhotoFace
from school.models import AccessKind, AccessLog, Classroom, Student
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.7"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 120, 80)).save(buffer, "JPEG")
    return buffer.getvalue()


def logged_get(client: Client, url: str, **params: Any) -> tuple[Any, AccessLog]:
    """GET `url` and return the response and the one entry it wrote, checking the log cost exactly one INSERT."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params, REMOTE_ADDR=ADDRESS)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, response
    assert body
    inserts = [query["sql"] for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and "school_accesslog" in inserts[0], inserts
    return response, AccessLog.objects.get()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_entry(entry: AccessLog, user: User, kind: AccessKind, student: Student | None, target: str) -> None:
    assert (entry.user, entry.username, entry.kind) == (user, user.username, kind)
    assert entry.student == student
    assert entry.registration == (student.registration if student else "")
    assert entry.target == target
    assert entry.ip == ADDRESS
    assert (timezone.now() - entry.at).total_seconds() >= 0


@pytest.fixture
def classroom(db: None) -> Classroom:
    return ClassroomFactory(code="3AT.I")


@pytest.fixture
def student(classroom: Classroom) -> Student:
    return EnrollmentFactory(
        classroom=classroom, student=StudentFactory(registration="2024001", consenting=True)
    ).student


def face_photo(student: Student, status: str = FacePhoto.Status.PENDING) -> FacePhoto:
    encoding = b"\0" * 512 if status == FacePhoto.Status.READY else None
    photo = FacePhoto(student=student, content_hash=f"{student.pk:064}", status=status, encoding=encoding)
    photo.image.save("face.jpg", ContentFile(jpeg()), save=False)
    photo.save()
    return photo


def gallery_photo_of(*students: Student) -> GalleryPhoto:
    photo = GalleryPhoto(gallery=Gallery.objects.create(title="Festa junina"), content_hash="1" * 64)
    photo.image.save("party.jpg", ContentFile(jpeg()), save=False)
    photo.save()
    for index, student in enumerate(students):
        face = PhotoFace.objects.create(
            photo=photo, index=index, box_top=1, box_right=9, box_bottom=9, box_left=1, encoding=b"\0" * 512
        )
        FaceMatch.objects.create(photo_face=face, student=student, distance=0.3, similarity=0.7)
    return photo


def test_a_face_photo_seen_by_a_secretary_is_logged_with_its_student(student: Student) -> None:
    secretary = SecretaryFactory()
    photo = face_photo(student)

    response, entry = logged_get(logged_in(secretary), reverse("recognition:face-photo-image", args=[photo.pk]))

    assert response["Content-Type"] == "image/jpeg"
    assert_entry(entry, secretary, AccessKind.FACE_PHOTO, student, f"face photo {photo.pk}")


def test_an_evidence_crop_seen_by_the_classrooms_teacher_is_logged_with_the_recognised_student(
    classroom: Classroom, student: Student
) -> None:
    teacher = TeacherFactory(classrooms=[classroom])
    log = AttendanceLog(student=student, classroom=classroom, seen_at=timezone.now())
    log.crop.save("crop.jpg", ContentFile(jpeg()), save=False)
    log.save()

    _, entry = logged_get(logged_in(teacher), reverse("attendance:evidence", args=[log.pk]))

    assert_entry(entry, teacher, AccessKind.EVIDENCE_CROP, student, f"attendance log {log.pk}")


def test_an_original_gallery_photo_is_logged_with_the_student_found_in_it(student: Student) -> None:
    secretary = SecretaryFactory()
    photo = gallery_photo_of(student)
    url = reverse("recognition:gallery-photo-original", args=[photo.gallery_id, photo.pk])

    _, entry = logged_get(logged_in(secretary), url)

    assert_entry(
        entry,
        secretary,
        AccessKind.GALLERY_ORIGINAL,
        student,
        f"gallery {photo.gallery_id} photo {photo.pk}: 2024001",
    )


def test_a_gallery_photo_of_several_students_is_one_entry_naming_them_all(student: Student) -> None:
    secretary = SecretaryFactory()
    other = StudentFactory(registration="2024002")
    rejected = StudentFactory(registration="2024003")
    photo = gallery_photo_of(student, other, rejected)
    FaceMatch.objects.filter(student=rejected).update(confirmed=False)  # a reviewer said it is not this student
    url = reverse("recognition:gallery-photo-original", args=[photo.gallery_id, photo.pk])

    _, entry = logged_get(logged_in(secretary), url)

    assert entry.student is None
    assert entry.target == f"gallery {photo.gallery_id} photo {photo.pk}: 2024001, 2024002"


def test_an_alert_snapshot_is_logged_with_the_student_the_alert_names(student: Student) -> None:
    secretary = SecretaryFactory()
    now = timezone.now()
    alert = Alert(
        type="zone_intrusion",
        severity="warning",
        source_key="camera:1:zone:door:track:7",
        first_seen=now,
        last_seen=now,
        payload={"zone_id": "door", "track_id": 7, "student_id": student.pk},
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(jpeg()), save=False)
    alert.save()

    _, entry = logged_get(logged_in(secretary), reverse("monitoring:alert-snapshot", args=[alert.pk]))

    assert_entry(entry, secretary, AccessKind.ALERT_SNAPSHOT, student, f"alert {alert.pk} (zone_intrusion)")


def test_an_unknown_faces_snapshot_is_logged_without_a_student() -> None:
    secretary = SecretaryFactory()
    now = timezone.now()
    alert = Alert(type="unknown_face", severity="warning", source_key="camera:1:track:3", first_seen=now, last_seen=now)
    alert.snapshot.save("snapshot.jpg", ContentFile(jpeg()), save=False)
    alert.save()

    _, entry = logged_get(logged_in(secretary), reverse("monitoring:alert-snapshot", args=[alert.pk]))

    assert_entry(entry, secretary, AccessKind.ALERT_SNAPSHOT, None, f"alert {alert.pk} (unknown_face)")


@pytest.mark.parametrize("extension", ["csv", "pdf"])
def test_a_students_report_download_is_logged_with_the_student_and_its_period(student: Student, extension: str) -> None:
    secretary = SecretaryFactory()
    period = {"from": "2026-03-01", "to": "2026-03-31"}

    response, entry = logged_get(logged_in(secretary), f"/api/reports/students/2024001.{extension}", **period)

    assert response["Content-Disposition"] == f'attachment; filename="student-2024001.{extension}"'
    assert_entry(
        entry, secretary, AccessKind.REPORT_EXPORT, student, f"student-2024001.{extension} 2026-03-01/2026-03-31"
    )


@pytest.mark.parametrize("extension", ["csv", "pdf"])
def test_a_classroom_diary_download_is_logged_with_its_classroom_and_month(
    classroom: Classroom, student: Student, extension: str
) -> None:
    teacher = TeacherFactory(classrooms=[classroom])

    _, entry = logged_get(logged_in(teacher), f"/api/reports/classrooms/3AT.I/diary.{extension}", month="2026-03")

    assert_entry(entry, teacher, AccessKind.REPORT_EXPORT, None, f"diary-3AT.I-2026-03.{extension}")


def test_the_school_overview_download_is_logged_with_its_period() -> None:
    secretary = SecretaryFactory()

    _, entry = logged_get(logged_in(secretary), "/api/reports/school.csv", **{"from": "2026-01-01", "to": "2026-06-30"})

    assert_entry(entry, secretary, AccessKind.REPORT_EXPORT, None, "school-2026-01-01-2026-06-30.csv")


def test_the_kiosks_enrollment_thumbnail_is_a_face_photo_view(classroom: Classroom, student: Student) -> None:
    teacher = TeacherFactory(classrooms=[classroom])
    face_photo(student, status=FacePhoto.Status.READY)

    _, entry = logged_get(logged_in(teacher), f"/classes/3AT.I/kiosk/students/{student.pk}/photo.jpg")

    assert_entry(entry, teacher, AccessKind.FACE_PHOTO, student, "kiosk 3AT.I thumbnail")


def test_a_refused_view_is_not_logged(classroom: Classroom, student: Student) -> None:
    log = AttendanceLog(student=student, classroom=classroom, seen_at=timezone.now())
    log.crop.save("crop.jpg", ContentFile(jpeg()), save=False)
    log.save()
    stranger = TeacherFactory()  # not this classroom's teacher

    response = logged_in(stranger).get(reverse("attendance:evidence", args=[log.pk]))

    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_the_admin_pages_show_these_pictures_through_the_logged_views(student: Student) -> None:
    secretary = SecretaryFactory()
    client = logged_in(secretary)
    photo = face_photo(student)
    now = timezone.now()
    alert = Alert(type="unknown_face", severity="warning", source_key="camera:1:track:3", first_seen=now, last_seen=now)
    alert.snapshot.save("snapshot.jpg", ContentFile(jpeg()), save=False)
    alert.save()

    face_page = client.get(reverse("admin:recognition_facephoto_change", args=[photo.pk])).content.decode()
    alert_page = client.get(reverse("admin:monitoring_alert_change", args=[alert.pk])).content.decode()

    assert f'src="{reverse("recognition:face-photo-image", args=[photo.pk])}"' in face_page
    assert f'src="{reverse("monitoring:alert-snapshot", args=[alert.pk])}"' in alert_page
    assert photo.image.url not in face_page and alert.snapshot.url not in alert_page  # no media URL around the log
