"""Enrollment photos: upload, encoding, deletion. Every write to face data goes through here."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from numpy.typing import NDArray

from recognition.engine import ImageRejected, analyse_enrollment_photo, load_image
from recognition.models import FacePhoto, RejectionReason, pack_encoding
from recognition.services.engine import get_detector
from recognition.services.index import bump_index_version
from recognition.services.lookalikes import schedule_recompute
from school.errors import Refused
from school.models import Student
from school.services.consent import has_biometric_consent
from school.services.files import delete_files_on_commit
from school.services.uploads import image_file

logger = logging.getLogger(__name__)


class EnrollmentRefused(Refused):
    """The upload cannot become a face photo at all; nothing was stored."""

    code: RejectionReason

    def __init__(self, code: RejectionReason, detail: str) -> None:
        super().__init__(code, detail)


@dataclass(frozen=True)
class Upload:
    photo: FacePhoto
    created: bool  # False: the same bytes were already uploaded for this student


def check_face_upload(student: Student, data: bytes) -> NDArray[np.uint8]:
    """The decoded image, or EnrollmentRefused when the upload cannot be stored at all."""
    if not has_biometric_consent(student):
        raise EnrollmentRefused(RejectionReason.NO_CONSENT, "the student has no biometric consent")
    try:
        return load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageRejected as rejection:
        raise EnrollmentRefused(RejectionReason(rejection.code), rejection.detail) from None


def add_face_photo(
    student: Student, data: bytes, filename: str, *, created_by: User | AnonymousUser | None = None
) -> Upload:
    """Store an enrollment photo and queue its encoding.

    Refuses (EnrollmentRefused, nothing stored) a student without consent and files that are not usable images.
    What is stored is the decoded picture re-encoded (upright, without metadata or anything else the upload
    carried) under a random name: `filename` is never used for it.
    Face checks (one face, big and sharp enough) happen in the encoding task, which marks the photo ready or
    rejected with a reason; in the embedded mode it has run by the time this returns.
    """
    image = check_face_upload(student, data)
    stored = image_file(image, source=data)
    digest = hashlib.sha256(data).hexdigest()  # of the upload: the same file sent twice is found again
    with transaction.atomic():
        # Serialises uploads and consent withdrawal for this student.
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if not has_biometric_consent(locked):
            raise EnrollmentRefused(RejectionReason.NO_CONSENT, "the student has no biometric consent")
        existing = FacePhoto.objects.filter(student=locked, content_hash=digest).first()
        if existing is not None:
            return Upload(existing, created=False)
        photo = FacePhoto(
            student=locked,
            content_hash=digest,
            width=image.shape[1],
            height=image.shape[0],
            created_by=created_by if isinstance(created_by, User) else None,
        )
        photo.image.save(str(stored.name), stored, save=False)
        try:
            photo.save()
        except IntegrityError:
            photo.image.delete(save=False)
            raise
        transaction.on_commit(lambda: _queue_encoding(photo.pk))
    photo.refresh_from_db()
    return Upload(photo, created=True)


def _queue_encoding(photo_id: int) -> None:
    from recognition.tasks import encode_face_photo

    encode_face_photo.delay(photo_id)


def encode_pending_photo(photo_id: int) -> FacePhoto | None:
    """Detect, check and encode the face of a pending photo. Idempotent: other states are left alone."""
    photo = FacePhoto.objects.filter(pk=photo_id, status=FacePhoto.Status.PENDING).first()
    if photo is None:
        return None
    # The slow part runs outside any transaction; the result is written only if the photo is still pending.
    changes: dict[str, Any]
    try:
        with photo.image.open("rb") as stored:
            data = stored.read()
        image = load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
        face = analyse_enrollment_photo(
            image,
            get_detector(),
            min_face_px=settings.ENROLL_MIN_FACE_PX,
            min_sharpness=settings.ENROLL_MIN_SHARPNESS,
        )
    except ImageRejected as rejection:
        changes = {
            "status": FacePhoto.Status.REJECTED,
            "rejection_code": RejectionReason(rejection.code),
            "rejection_detail": rejection.detail[:255],
        }
    except FileNotFoundError:
        logger.warning("face photo %s has no file any more", photo_id)
        return None
    else:
        changes = {
            "status": FacePhoto.Status.READY,
            "encoding": pack_encoding(face.encoding),
            "box_top": face.box.top,
            "box_right": face.box.right,
            "box_bottom": face.box.bottom,
            "box_left": face.box.left,
            "face_size_px": face.face_size_px,
            "sharpness": face.sharpness,
        }
    with transaction.atomic():
        updated = FacePhoto.objects.filter(pk=photo_id, status=FacePhoto.Status.PENDING).update(
            processed_at=timezone.now(), **changes
        )
        if updated and changes["status"] == FacePhoto.Status.READY:
            transaction.on_commit(bump_index_version)
            schedule_recompute(photo.student_id)
    return FacePhoto.objects.filter(pk=photo_id).first()


def delete_face_photo(photo: FacePhoto) -> None:
    """Remove a photo, its encoding and (once committed) its file."""
    with transaction.atomic():
        photo.delete()  # the post_delete handler removes the file and refreshes the index after commit


def erase_face_data(student: Student) -> int:
    """Remove every face photo of `student` (consent withdrawn, erasure), and what was learnt from staff about the
    student's face: the faces of review groups assigned to them (with their crops), those groups, the pending or
    decided fresh-photo proposals (crops), the negative examples and the look-alike pairs. Returns how many face
    photos were removed."""
    from recognition.models import EnrollmentProposal, FaceGroup, LookalikePair, NegativeExample, UnknownFace

    with transaction.atomic():
        count, _ = FacePhoto.objects.filter(student=student).delete()
        groups = FaceGroup.objects.filter(student=student)
        faces = UnknownFace.objects.filter(group__in=groups)
        proposals = EnrollmentProposal.objects.filter(student=student)
        names = [*faces.exclude(crop="").values_list("crop", flat=True)]
        names += [*proposals.exclude(crop="").values_list("crop", flat=True)]
        faces.delete()
        groups.delete()
        proposals.delete()
        NegativeExample.objects.filter(student=student).delete()
        LookalikePair.objects.filter(Q(student_a=student) | Q(student_b=student)).delete()
        delete_files_on_commit(UnknownFace._meta.get_field("crop").storage, names)
    return count
