"""Staff review of gallery faces: saying who an unrecognised face is, and optionally enrolling that face.

Assigning writes a confirmed FaceMatch. Its distance is the real dlib distance (the Euclidean distance that
``face_recognition.face_distance`` computes) between the face's stored encoding and the nearest of the student's
ready enrollment encodings, as the matcher would report it; a student with no ready enrollment photo has nothing
to be compared with, so the match gets distance 1.0 (far beyond any tolerance) and similarity 0: a person's word,
not a measurement.

Enrolling turns the face, cropped from the original photo with some room around it, into an enrollment photo of
the student through the enrollment service, so the usual rules hold (biometric consent, one face, big and sharp
enough). The crop is checked before anything is written: a crop that would be rejected refuses the whole
assignment with its reason, and nothing is stored (all or nothing).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from recognition.engine import ImageRejected, analyse_enrollment_photo, load_image, similarity_percent
from recognition.models import (
    FaceMatch,
    FacePhoto,
    PhotoFace,
    RejectionReason,
    unpack_encoding,
    unpack_encodings,
)
from recognition.services.engine import get_detector
from recognition.services.enrollment import EnrollmentRefused, add_face_photo
from recognition.services.unknown_faces import sync_gallery_face
from school.errors import Refused
from school.models import Student
from school.services.consent import has_biometric_consent

#: Each side of the face box is pushed out by this fraction of the box before cropping: the crop is about twice
#: the face in each direction, so the detector finds the face again (HOG needs some context around it) and the
#: enrollment photo shows hair and chin. Checked on the fixture photos: 0.25 to 1.0 all re-detect the face.
ENROLL_CROP_MARGIN = 0.5
JPEG_QUALITY = 95
#: The distance and similarity of a match assigned to a student with no enrolled encoding to compare with.
UNMEASURED_DISTANCE = 1.0
UNMEASURED_SIMILARITY = 0.0


class AssignmentRefused(Refused):
    """The face cannot be assigned as asked; nothing was written. `detail` is meant for people (translated)."""


@dataclass(frozen=True)
class AssignResult:
    match: FaceMatch  # confirmed
    created: bool  # False: an existing match of the face and student was confirmed
    face_photo: FacePhoto | None  # the enrollment photo made from the face (enroll=True), else None


def _refusal(code: RejectionReason, technical_detail: str) -> AssignmentRefused:
    return AssignmentRefused(code.value, f"{code.label} ({technical_detail})")


def nearest_enrolled_distance(face: PhotoFace, student: Student) -> float | None:
    """The distance from `face` to the closest ready enrollment encoding of `student`; None when there is none, or
    when the face has no encoding left (the retention purge clears unknown faces')."""
    if not face.encoding:
        return None
    stored = [
        bytes(encoding)
        for encoding in FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY).values_list(
            "encoding", flat=True
        )
        if encoding is not None  # guaranteed for ready photos by a check constraint; narrows the type
    ]
    if not stored:
        return None
    enrolled = unpack_encodings(stored).astype(np.float64)
    query = unpack_encoding(face.encoding).astype(np.float64)
    return float(np.linalg.norm(enrolled - query, axis=1).min())


def enrollment_crop(face: PhotoFace) -> bytes:
    """The face cut from its original photo with room around it, as JPEG, once checked to make a usable enrollment
    photo. Raises AssignmentRefused with the rejection reason (no_face, face_too_small, too_blurry...) otherwise."""
    try:
        with face.photo.image.open("rb") as stored:
            data = stored.read()
        image = load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageRejected as rejection:
        raise _refusal(RejectionReason(rejection.code), rejection.detail) from None
    except FileNotFoundError:
        raise _refusal(RejectionReason.NOT_AN_IMAGE, "the gallery photo's file is missing") from None
    height, width = image.shape[:2]
    box = face.face_box().grown(ENROLL_CROP_MARGIN).clipped(height, width)
    crop = np.ascontiguousarray(image[box.top : box.bottom, box.left : box.right])
    if crop.size == 0:
        raise _refusal(RejectionReason.NO_FACE, "the face box lies outside the photo")
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, "JPEG", quality=JPEG_QUALITY)
    encoded = buffer.getvalue()
    try:
        # The same checks the encoding task will make on the stored photo: refused now, nothing gets written.
        analyse_enrollment_photo(
            load_image(encoded, max_pixels=settings.MAX_IMAGE_PIXELS),
            get_detector(),
            min_face_px=settings.ENROLL_MIN_FACE_PX,
            min_sharpness=settings.ENROLL_MIN_SHARPNESS,
        )
    except ImageRejected as rejection:
        raise _refusal(RejectionReason(rejection.code), rejection.detail) from None
    return encoded


def assign_face(
    face: PhotoFace, student: Student, by: User | AnonymousUser | None, *, enroll: bool = False
) -> AssignResult:
    """Record that `face` is `student` (a confirmed match reviewed by `by`) and, with `enroll`, add the face to the
    student's enrollment photos. Raises AssignmentRefused (nothing written) for a student without biometric consent
    when enrolling, or a crop that would not make a usable enrollment photo.

    The face's other matches that nobody rejected yet are rejected: a face is one person. Assigning without
    enrolling needs no biometric consent: it records who is in a photo, and keeps no encoding of the student.
    """
    reviewer = by if isinstance(by, User) else None
    crop = None
    if enroll:
        if not has_biometric_consent(student):
            raise _refusal(RejectionReason.NO_CONSENT, "the student has no biometric consent")
        crop = enrollment_crop(face)
    distance = nearest_enrolled_distance(face, student)
    if distance is None:
        distance, similarity = UNMEASURED_DISTANCE, UNMEASURED_SIMILARITY
    else:
        similarity = similarity_percent(distance, settings.MATCH_TOLERANCE)
    with transaction.atomic():
        # Serialises reviews of this face; a face replaced by a reprocessing meanwhile is gone.
        if not PhotoFace.objects.select_for_update().filter(pk=face.pk).exists():
            raise AssignmentRefused("face_gone", _("The face no longer exists: the photo was processed again."))
        now = timezone.now()
        match, created = FaceMatch.objects.update_or_create(
            photo_face=face,
            student=student,
            defaults={
                "distance": round(distance, 4),
                "similarity": round(similarity, 1),
                "confirmed": True,
                "reviewed_by": reviewer,
                "reviewed_at": now,
            },
        )
        FaceMatch.objects.filter(photo_face=face).exclude(pk=match.pk).exclude(confirmed=False).update(
            confirmed=False, reviewed_by=reviewer, reviewed_at=now
        )
        sync_gallery_face(face)  # named now: out of the unknown faces' review
        face_photo = None
        if crop is not None:
            try:
                upload = add_face_photo(student, crop, f"gallery-{face.photo_id}-face-{face.index}.jpg", created_by=by)
            except EnrollmentRefused as refusal:  # consent withdrawn meanwhile: the match goes too
                raise _refusal(refusal.code, refusal.detail) from None
            face_photo = upload.photo
    match.refresh_from_db()
    return AssignResult(match=match, created=created, face_photo=face_photo)
