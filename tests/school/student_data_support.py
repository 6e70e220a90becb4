"""A student the school holds every kind of data about, for the export and erasure tests (real fixture faces)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.utils import timezone

from attendance.models import (
    AbsenceNotice,
    AttendanceLog,
    Justification,
    NoticeEmail,
    Presence,
    PresenceChange,
    PresenceSource,
    PresenceStatus,
)
from monitoring.models import Alert
from recognition.models import FacePhoto, Gallery, GalleryPhoto, PhotoJob
from recognition.services.enrollment import add_face_photo
from recognition.services.gallery import add_gallery_photos, process_photo
from school.models import AccessKind, ConsentKind, ConsentRecord, ConsentTerms, Guardian, Student
from school.services.access_log import log_access
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, StudentFactory, UserFactory
from tests.support.images import fixture_bytes, fixture_rgb

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def jpeg(name: str = "biden.jpg", side: int = 96) -> bytes:
    """A small JPEG made from a fixture portrait (a sighting's crop, an alert's snapshot)."""
    buffer = io.BytesIO()
    fixture_rgb(name).resize((side, side)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def staff_with(*codenames: str) -> User:
    """A staff member holding exactly these school permissions (committing tests have no Data protection group)."""
    user = UserFactory.create(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="school", codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def enroll(student: Student, name: str) -> FacePhoto:
    """A ready enrollment photo of `student` (the encoding runs on commit: call from a committing test)."""
    upload = add_face_photo(student, fixture_bytes(name), name)
    photo = FacePhoto.objects.get(pk=upload.photo.pk)
    assert photo.status == FacePhoto.Status.READY, photo.rejection_detail
    return photo


@dataclass
class StudentData:
    student: Student
    other: Student  # in the same gallery photo
    face_photo: FacePhoto
    gallery_photo: GalleryPhoto
    log: AttendanceLog
    presence: Presence
    alert: Alert
    recorder: User


def student_with_everything() -> StudentData:
    """Joe Biden: roster, guardian, consent with signed form, enrollment photo, a gallery photo with Barack Obama,
    a sighting with its crop, a presence changed by hand, a justification, an absence notice, an alert snapshot and
    an access log entry."""
    recorder = UserFactory.create(is_staff=True, username="secretaria")
    classroom = ClassroomFactory.create(code="3AT.I")
    student = StudentFactory.create(consenting=True, image_consent=True, full_name="Joe Biden", registration="2024001")
    other = StudentFactory.create(consenting=True, image_consent=True, full_name="Barack Obama", registration="2024002")
    EnrollmentFactory.create(student=student, classroom=classroom)
    EnrollmentFactory.create(student=other, classroom=classroom)
    guardian = Guardian.objects.create(student=student, name="Jill Biden", relation="mãe", email="jill@example.com")
    terms, _created = ConsentTerms.objects.get_or_create(
        kind=ConsentKind.BIOMETRIC, version="1", defaults={"purpose": "Chamada", "text": "Termo de consentimento"}
    )
    record = ConsentRecord(
        student=student, kind=ConsentKind.BIOMETRIC, granted=True, terms=terms, guardian=guardian, given_by="Jill Biden"
    )
    record.signed_form.save("termo.pdf", ContentFile(PDF), save=False)
    record.save()
    face_photo = enroll(student, "biden.jpg")
    enroll(other, "obama.jpg")
    gallery = Gallery.objects.create(title="Festa junina", date=timezone.localdate())
    [added] = add_gallery_photos(gallery, [("two_people.jpg", fixture_bytes("two_people.jpg"))])
    assert added.photo is not None
    process_photo(added.photo)
    assert PhotoJob.objects.get(photo=added.photo).status == PhotoJob.Status.DONE
    lesson = LessonFactory.create(classroom=classroom)
    seen = timezone.now() - dt.timedelta(hours=1)
    log = AttendanceLog(student=student, classroom=classroom, lesson=lesson, distance=0.31, seen_at=seen)
    log.crop.save("crop.jpg", ContentFile(jpeg()), save=False)
    log.save()
    presence = Presence.objects.create(
        lesson=lesson,
        student=student,
        status=PresenceStatus.LATE,
        source=PresenceSource.CAMERA,
        first_seen=seen,
        last_seen=seen,
        evidence=log,
    )
    PresenceChange.objects.create(
        presence=presence, changed_by=recorder, from_status=PresenceStatus.PRESENT, to_status=PresenceStatus.LATE
    )
    justification = Justification(
        student=student, start_date=timezone.localdate(), end_date=timezone.localdate(), reason="Atestado médico"
    )
    justification.document.save("atestado.pdf", ContentFile(PDF), save=False)
    justification.save()
    notice = AbsenceNotice.objects.create(
        student=student, kind=AbsenceNotice.Kind.CONSECUTIVE_ABSENCE, key="2026-03-02", details={"days": 3}
    )
    NoticeEmail.objects.create(
        notice=notice,
        recipient_kind=NoticeEmail.Recipient.GUARDIAN,
        address="familia@example.com",
        status=NoticeEmail.Status.SENT,
        attempts=2,
        sent_at=seen,
    )
    alert = Alert(
        type="zone_intrusion",
        severity="warning",
        source_key="camera:1:zone:door:track:7",
        first_seen=seen,
        last_seen=seen,
        payload={"zone_id": "door", "track_id": 7, "student_id": student.pk},
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(jpeg()), save=False)
    alert.save()
    log_access(None, AccessKind.FACE_PHOTO, student=student, target=f"face photo {face_photo.pk}", user=recorder)
    return StudentData(
        student=Student.objects.get(pk=student.pk),
        other=other,
        face_photo=face_photo,
        gallery_photo=GalleryPhoto.objects.get(pk=added.photo.pk),
        log=log,
        presence=presence,
        alert=alert,
        recorder=recorder,
    )


def media_files(root: Any) -> set[str]:
    """Every file under MEDIA_ROOT, by its storage name."""
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}
