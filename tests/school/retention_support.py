"""Rows of every kind the retention purge looks at, aged as a test needs, with their files on disk (MEDIA_ROOT is
a per-test folder, tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from attendance.models import AttendanceLog
from monitoring.models import Alert
from recognition.models import FaceMatch, FacePhoto, Gallery, GalleryPhoto, PhotoFace, PhotoJob, ProcessingCache
from school.models import Classroom, Student
from tests.factories import ClassroomFactory, StudentFactory


def _tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 150, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _tiny_jpeg()  # what the purge deletes is the file, whatever it shows
ENCODING = bytes(512)  # 128 float32: a face's encoding, as stored


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def on_disk(name: str | None) -> bool:
    return bool(name) and default_storage.exists(name)


def sighting(days_old: float, *, student: Student | None = None, classroom: Classroom | None = None) -> AttendanceLog:
    """A sighting seen `days_old` days ago, with its face crop stored."""
    student = student or StudentFactory()
    log = AttendanceLog(student=student, classroom=classroom or ClassroomFactory(), seen_at=ago(days_old), distance=0.3)
    log.crop.save("crop.jpg", ContentFile(JPEG), save=False)
    log.save()
    return log


def alert(days_old: float, *, type: str = "camera_offline", payload: dict[str, Any] | None = None) -> Alert:
    """An alert first seen `days_old` days ago, with a snapshot stored."""
    at = ago(days_old)
    row = Alert(
        type=type,
        severity="warning",
        source_key=f"test:{uuid.uuid4().hex}",
        first_seen=at,
        last_seen=at,
        payload=payload or {},
        status="resolved",
    )
    row.snapshot.save("snapshot.jpg", ContentFile(JPEG), save=False)
    row.save()
    return row


@dataclass
class GalleryFaces:
    unknown: PhotoFace  # nobody proposed
    rejected: PhotoFace  # its only proposal was rejected: unknown too
    proposed: PhotoFace  # a student is proposed, not reviewed yet
    confirmed: PhotoFace


def gallery_photo_faces(days_old: float, student: Student | None = None) -> GalleryFaces:
    """A gallery photo processed `days_old` days ago with four faces: unknown, rejected, proposed, confirmed."""
    gallery = Gallery.objects.create(title=f"Festa {uuid.uuid4().hex[:6]}")
    photo = GalleryPhoto(gallery=gallery, content_hash=uuid.uuid4().hex)
    photo.image.save("photo.jpg", ContentFile(JPEG), save=False)
    photo.save()
    PhotoJob.objects.create(photo=photo, status=PhotoJob.Status.DONE, processed_at=ago(days_old))
    faces = [
        PhotoFace.objects.create(
            photo=photo, index=index, box_top=0, box_right=10, box_bottom=10, box_left=0, encoding=ENCODING
        )
        for index in range(4)
    ]
    student = student or StudentFactory()
    FaceMatch.objects.create(photo_face=faces[1], student=student, distance=0.4, similarity=60, confirmed=False)
    FaceMatch.objects.create(photo_face=faces[2], student=student, distance=0.4, similarity=60)
    FaceMatch.objects.create(photo_face=faces[3], student=student, distance=0.4, similarity=60, confirmed=True)
    return GalleryFaces(*faces)


def cache_entry(days_old: float) -> ProcessingCache:
    entry = ProcessingCache.objects.create(
        key=uuid.uuid4().hex, payload={"faces": [{"encoding": "AAAA"}]}, expires_at=ago(days_old - 60)
    )
    ProcessingCache.objects.filter(pk=entry.pk).update(created_at=ago(days_old))  # auto_now_add otherwise
    return entry


def student_who_left(days_ago: int) -> Student:
    """An inactive student who left `days_ago` days ago, with an enrolled face photo, a gallery match and a
    sighting with its crop."""
    student = StudentFactory(consenting=True)
    photo = FacePhoto(student=student, content_hash=uuid.uuid4().hex, status=FacePhoto.Status.READY, encoding=ENCODING)
    photo.image.save("face.jpg", ContentFile(JPEG), save=False)
    photo.save()
    gallery_photo_faces(1, student=student)
    sighting(1, student=student)
    student.active = False
    student.left_on = timezone.localdate() - dt.timedelta(days=days_ago)
    student.save()
    return student


def face_data_files(student: Student) -> list[str]:
    return [
        *FacePhoto.objects.filter(student=student).values_list("image", flat=True),
        *AttendanceLog.objects.filter(student=student).exclude(crop="").values_list("crop", flat=True),
    ]
