"""Everything the school holds about one student, as a zip a family can read (LGPD art. 18, access and portability).

One JSON file per kind of data (UTF-8, keys sorted, dates and times in ISO 8601 in the school's time zone) and the
images and documents they point to, by their path inside the zip:

- `manifest.json`: when and for whom the export was made, and how many entries each file has;
- `student.json`: the roster record and the current consents; `guardians.json`, `enrollments.json`;
- `consents.json`: every grant and withdrawal with the terms' text, and the signed forms (`documents/consent_forms/`);
- `presences.json`: the presence in each lesson, with every manual change;
- `sightings.json`: each recognition event, with its face crop (`images/sightings/`) while it is kept;
- `face_photos.json`: the enrollment photos (`images/face_photos/`) with their face encodings;
- `gallery_appearances.json`: the faces in gallery photos that are the student, each cut to the student's own face
  (`images/gallery/`): the rest of a gallery photo shows other people, and is theirs;
- `justifications.json` (documents in `documents/justifications/`), `absence_notices.json` and their e-mails;
- `access_log.json`: who viewed, downloaded, exported or erased the student's data, and when.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files import File
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from PIL import Image

from attendance.models import AbsenceNotice, AttendanceLog, Justification, NoticeEmail, Presence, PresenceChange
from recognition.engine import ImageRejected, load_image
from recognition.models import FaceMatch, FacePhoto, PhotoFace
from recognition.services.face_erasure import student_face_ids
from recognition.services.privacy import MARGIN
from school.models import AccessKind, AccessLog, ConsentRecord, Student
from school.services.access_log import log_access

logger = logging.getLogger(__name__)

JPEG_QUALITY = 92
FORMAT_VERSION = 1


@dataclass
class ExportSummary:
    """What an export holds: entries per JSON file, and how many images and documents came with them."""

    entries: dict[str, int] = field(default_factory=dict)
    files: int = 0
    missing_files: int = 0

    def describe(self) -> str:
        """One line (not translated: the access log and the command's output read the same in any language)."""
        total = sum(self.entries.values())
        missing = f", {self.missing_files} missing" if self.missing_files else ""
        return f"data export: {total} entries in {len(self.entries)} files, {self.files} images/documents{missing}"


def export_filename(student: Student) -> str:
    return f"student-{student.registration}-{timezone.localdate():%Y%m%d}.zip"


def export_student(
    student: Student,
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> bytes:
    """The student's export as the bytes of a zip (see the module's docstring); logged in the access log."""
    buffer = io.BytesIO()
    write_student_export(student, buffer, user=user, request=request)
    return buffer.getvalue()


def write_student_export(
    student: Student,
    output: IO[bytes],
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> ExportSummary:
    """Write the student's export as a zip into `output`; logs a DATA_EXPORT entry once it is written."""
    summary = ExportSummary()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive, summary)
        writer.json("student.json", _student(student))
        writer.json("guardians.json", _guardians(student))
        writer.json("enrollments.json", _enrollments(student))
        writer.json("consents.json", _consents(student, writer))
        writer.json("presences.json", _presences(student))
        writer.json("sightings.json", _sightings(student, writer))
        writer.json("face_photos.json", _face_photos(student, writer))
        writer.json("gallery_appearances.json", _gallery_appearances(student, writer))
        writer.json("justifications.json", _justifications(student, writer))
        writer.json("absence_notices.json", _absence_notices(student))
        writer.json("access_log.json", _access_log(student))
        writer.json(
            "manifest.json",
            {
                "format_version": FORMAT_VERSION,
                "generated_at": _iso(timezone.now()),
                "student": {"registration": student.registration, "full_name": student.full_name},
                "entries": dict(summary.entries),
                "files": summary.files,
                "missing_files": summary.missing_files,
            },
            count=False,
        )
    log_access(request, AccessKind.DATA_EXPORT, student=student, target=summary.describe(), user=user)
    return summary


class _Writer:
    def __init__(self, archive: zipfile.ZipFile, summary: ExportSummary) -> None:
        self.archive = archive
        self.summary = summary

    def json(self, name: str, data: Any, *, count: bool = True) -> None:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2, default=_iso)
        self.archive.writestr(name, text + "\n")
        if count:
            self.summary.entries[name] = len(data) if isinstance(data, list) else 1

    def stored_file(self, folder: str, stem: object, stored: File | None) -> str | None:
        """Copy a FileField's file into the zip as `folder/stem.ext`; its path there, or None (no file, or lost)."""
        if not stored or not stored.name:
            return None
        path = f"{folder}/{stem}{PurePosixPath(stored.name).suffix.lower()}"
        try:
            with stored.open("rb") as handle:
                data = handle.read()
        except OSError:
            logger.warning("export: %s is missing", stored.name)
            self.summary.missing_files += 1
            return None
        self.bytes(path, data)
        return path

    def bytes(self, path: str, data: bytes) -> None:
        # Images and PDFs are compressed already: stored as they are.
        self.archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
        self.summary.files += 1


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not serialisable")


def _username(user: AbstractBaseUser | None) -> str | None:
    return user.get_username() if user is not None else None


def _student(student: Student) -> dict[str, Any]:
    return {
        "id": student.pk,
        "full_name": student.full_name,
        "registration": student.registration,
        "birth_date": student.birth_date,
        "active": student.active,
        "left_on": student.left_on,
        "frigate_name": student.frigate_name,
        "created_at": student.created_at,
        "biometric_consent": student.biometric_consent,
        "biometric_consent_at": student.biometric_consent_at,
        "biometric_consent_terms": _terms_version(student.biometric_consent_terms),
        "image_consent": student.image_consent,
        "image_consent_terms": _terms_version(student.image_consent_terms),
    }


def _terms_version(terms: Any) -> str | None:
    return None if terms is None else terms.version


def _guardians(student: Student) -> list[dict[str, Any]]:
    return [
        {
            "name": guardian.name,
            "relation": guardian.relation,
            "email": guardian.email,
            "phone": guardian.phone,
            "absence_notifications": guardian.notifications,
        }
        for guardian in student.guardians.order_by("name", "pk")
    ]


def _enrollments(student: Student) -> list[dict[str, Any]]:
    return [
        {
            "classroom": enrollment.classroom.code,
            "classroom_name": enrollment.classroom.name,
            "school_year": enrollment.school_year,
            "created_at": enrollment.created_at,
        }
        for enrollment in student.enrollments.select_related("classroom").order_by("school_year", "classroom__code")
    ]


def _consents(student: Student, writer: _Writer) -> list[dict[str, Any]]:
    records = ConsentRecord.objects.filter(student=student).select_related("terms", "recorded_by")
    return [
        {
            "kind": record.kind,
            "granted": record.granted,
            "terms": None
            if record.terms is None
            else {
                "version": record.terms.version,
                "purpose": record.terms.purpose,
                "text": record.terms.text,
                "published_at": record.terms.published_at,
            },
            "given_by": record.given_by,
            "relation": record.relation,
            "recorded_at": record.recorded_at,
            "recorded_by": _username(record.recorded_by),
            "signed_form": writer.stored_file("documents/consent_forms", record.pk, record.signed_form),
        }
        for record in records.order_by("recorded_at", "pk")
    ]


def _presences(student: Student) -> list[dict[str, Any]]:
    presences = (
        Presence.objects.filter(student=student)
        .select_related("lesson__classroom", "changed_by")
        .prefetch_related(
            Prefetch("changes", queryset=PresenceChange.objects.select_related("changed_by").order_by("changed_at"))
        )
        .order_by("lesson__date", "lesson__start_time", "pk")
    )
    return [
        {
            "lesson": _lesson(presence.lesson),
            "status": presence.status,
            "source": presence.source,
            "first_seen": presence.first_seen,
            "last_seen": presence.last_seen,
            "changed_by": _username(presence.changed_by),
            "changes": [
                {
                    "from": change.from_status,
                    "to": change.to_status,
                    "changed_at": change.changed_at,
                    "changed_by": _username(change.changed_by),
                }
                for change in presence.changes.all()
            ],
        }
        for presence in presences
    ]


def _lesson(lesson: Any) -> dict[str, Any] | None:
    if lesson is None:
        return None
    return {
        "classroom": lesson.classroom.code,
        "date": lesson.date,
        "start": lesson.start_time,
        "end": lesson.end_time,
        "subject": lesson.subject,
    }


def _sightings(student: Student, writer: _Writer) -> list[dict[str, Any]]:
    logs = (
        AttendanceLog.objects.filter(student=student)
        .select_related("classroom", "lesson__classroom", "camera", "device")
        .order_by("seen_at", "pk")
    )
    return [
        {
            "seen_at": log.seen_at,
            "classroom": log.classroom.code,
            "lesson": _lesson(log.lesson),
            "camera": None if log.camera is None else log.camera.name,
            "device": None if log.device is None else log.device.name,
            "distance": log.distance,
            "face_crop": writer.stored_file("images/sightings", log.pk, log.crop),
        }
        for log in logs.iterator(chunk_size=500)
    ]


def _face_photos(student: Student, writer: _Writer) -> list[dict[str, Any]]:
    photos = FacePhoto.objects.filter(student=student).select_related("created_by").order_by("created_at", "pk")
    return [
        {
            "id": photo.pk,
            "status": photo.status,
            "rejection_code": photo.rejection_code,
            "rejection_detail": photo.rejection_detail,
            "width": photo.width,
            "height": photo.height,
            "face_box": photo.box,
            "face_size_px": photo.face_size_px,
            "sharpness": photo.sharpness,
            "created_at": photo.created_at,
            "created_by": _username(photo.created_by),
            "processed_at": photo.processed_at,
            # The family's own biometric data: the 128 numbers the matcher compares faces by.
            "encoding": None if photo.encoding is None else [float(x) for x in photo.encoding_array()],
            "image": writer.stored_file("images/face_photos", photo.pk, photo.image),
        }
        for photo in photos
    ]


def _gallery_appearances(student: Student, writer: _Writer) -> list[dict[str, Any]]:
    # Only the faces that are the student: a face the student was merely a candidate for is someone else's.
    faces = (
        PhotoFace.objects.filter(pk__in=student_face_ids(student))
        .select_related("photo__gallery")
        .prefetch_related(Prefetch("matches", queryset=FaceMatch.objects.filter(student=student)))
        .order_by("photo__gallery__date", "photo_id", "index")
    )
    rows = []
    for photo_faces in _by_photo(faces):
        crops = _face_crops(photo_faces)
        for face in photo_faces:
            match = face.matches.all()[0]
            path = None
            if face.pk in crops:
                path = f"images/gallery/{face.pk}.jpg"
                writer.bytes(path, crops[face.pk])
            else:
                writer.summary.missing_files += 1
            rows.append(
                {
                    "gallery": face.photo.gallery.title,
                    "gallery_date": face.photo.gallery.date,
                    "photo_id": face.photo_id,
                    "face_box": face.box,
                    "distance": match.distance,
                    "similarity": match.similarity,
                    "confirmed": match.confirmed,
                    "reviewed_at": match.reviewed_at,
                    "face_image": path,
                }
            )
    return rows


def _by_photo(faces: Iterable[PhotoFace]) -> list[list[PhotoFace]]:
    groups: dict[int, list[PhotoFace]] = {}
    for face in faces:
        groups.setdefault(face.photo_id, []).append(face)
    return list(groups.values())


def _face_crops(faces: list[PhotoFace]) -> dict[int, bytes]:
    """JPEG crops of `faces` (all of one photo), each the face with the margin a rendition blurs, no more."""
    photo = faces[0].photo
    try:
        with photo.image.open("rb") as stored:
            image = load_image(stored.read(), max_pixels=settings.MAX_IMAGE_PIXELS)
    except (OSError, ImageRejected):
        logger.warning("export: gallery photo %s cannot be read", photo.pk)
        return {}
    height, width = image.shape[:2]
    crops = {}
    for face in faces:
        box = face.face_box().grown(MARGIN).clipped(height, width)
        region = np.ascontiguousarray(image[box.top : box.bottom, box.left : box.right])
        if region.size == 0:
            continue
        buffer = io.BytesIO()
        Image.fromarray(region).save(buffer, "JPEG", quality=JPEG_QUALITY)
        crops[face.pk] = buffer.getvalue()
    return crops


def _justifications(student: Student, writer: _Writer) -> list[dict[str, Any]]:
    justifications = Justification.objects.filter(student=student).select_related("recorded_by")
    return [
        {
            "from": justification.start_date,
            "to": justification.end_date,
            "reason": justification.reason,
            "recorded_at": justification.recorded_at,
            "recorded_by": _username(justification.recorded_by),
            "document": writer.stored_file("documents/justifications", justification.pk, justification.document),
        }
        for justification in justifications.order_by("start_date", "pk")
    ]


def _absence_notices(student: Student) -> list[dict[str, Any]]:
    notices = (
        AbsenceNotice.objects.filter(student=student)
        .prefetch_related(Prefetch("emails", queryset=NoticeEmail.objects.order_by("created_at", "pk")))
        .order_by("created_at", "pk")
    )
    return [
        {
            "kind": notice.kind,
            "key": notice.key,
            "details": notice.details,
            "created_at": notice.created_at,
            "emails": [
                {
                    "recipient": email.recipient_kind,
                    "address": email.address,
                    "status": email.status,
                    "attempts": email.attempts,
                    "sent_at": email.sent_at,
                    "error": email.error,
                }
                for email in notice.emails.all()
            ],
        }
        for notice in notices
    ]


def _access_log(student: Student) -> list[dict[str, Any]]:
    # Entries naming the student by registration only are those written while no row linked them (or after an
    # earlier row of the same registration was deleted).
    entries = AccessLog.objects.filter(
        Q(student=student) | Q(student__isnull=True, registration=student.registration)
    ).order_by("at", "pk")
    # The staff member's address is theirs, not the student's: who and when is what a family is owed.
    return [
        {"at": entry.at, "user": entry.username, "kind": entry.kind, "what": entry.target}
        for entry in entries.iterator(chunk_size=500)
    ]
