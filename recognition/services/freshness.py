"""Enrollment freshness: children's faces change, so photos older than ENROLLMENT_MAX_AGE_DAYS are listed, and a
camera's crop of a confident recognition can be proposed as a fresh photo. A secretary decides; nothing is ever
enrolled silently."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from recognition.engine.pipeline import Identification
from recognition.models import EnrollmentProposal, FacePhoto, RejectionReason, pack_encoding
from school.errors import Refused
from school.models import Student
from school.services.consent import biometric_consent_q, has_biometric_consent
from school.services.files import delete_files_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaleStudent:
    student: Student
    newest_photo_at: dt.datetime
    age_days: int
    pending_proposal: bool


@dataclass(frozen=True)
class StaleReport:
    max_age_days: int
    stale: list[StaleStudent]  # oldest newest photo first
    no_usable_photo: list[Student]  # consenting, active, and no ready photo at all


def _cutoff(now: dt.datetime | None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.ENROLLMENT_MAX_AGE_DAYS)


def stale_enrollments(now: dt.datetime | None = None) -> StaleReport:
    """Active consenting students whose newest usable (ready) photo is older than ENROLLMENT_MAX_AGE_DAYS, and,
    apart, those with no usable photo."""
    now = now or timezone.now()
    students = (
        Student.objects.filter(biometric_consent_q())
        .annotate(
            newest_photo_at=Max("face_photos__created_at", filter=Q(face_photos__status=FacePhoto.Status.READY)),
            pending_proposal=Exists(
                EnrollmentProposal.objects.filter(student=OuterRef("pk"), status=EnrollmentProposal.Status.PENDING)
            ),
        )
        .order_by("full_name", "pk")
    )
    cutoff = _cutoff(now)
    stale = [
        StaleStudent(
            student=student,
            newest_photo_at=student.newest_photo_at,
            age_days=(now - student.newest_photo_at).days,
            pending_proposal=student.pending_proposal,
        )
        for student in students.filter(newest_photo_at__lt=cutoff)
    ]
    stale.sort(key=lambda entry: entry.newest_photo_at)
    return StaleReport(
        max_age_days=settings.ENROLLMENT_MAX_AGE_DAYS,
        stale=stale,
        no_usable_photo=list(students.filter(newest_photo_at__isnull=True)),
    )


def is_stale(student: Student, now: dt.datetime | None = None) -> bool:
    """Whether the student has usable photos and the newest is older than ENROLLMENT_MAX_AGE_DAYS."""
    newest = (
        FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return newest is not None and newest < _cutoff(now)


def confident_enough(distance: float, margin: float) -> bool:
    """A recognition good enough for its crop to be proposed as an enrollment photo (cheap: no database)."""
    return distance <= settings.FRESH_PHOTO_MAX_DISTANCE and margin >= settings.FRESH_PHOTO_MIN_MARGIN


def propose_fresh_photo(
    student: Student,
    *,
    crop_jpeg: bytes,
    encoding: NDArray[np.floating],
    distance: float,
    margin: float,
    seen_at: dt.datetime,
    where: str = "",
) -> EnrollmentProposal | None:
    """Keep `crop_jpeg` as a proposed fresh photo of `student`, or None: only for a stale student with consent, a
    decided recognition within FRESH_PHOTO_MAX_DISTANCE and at least FRESH_PHOTO_MIN_MARGIN ahead of the next
    student, and one pending proposal per student (the first one stays until a secretary decides)."""
    if not crop_jpeg or not confident_enough(distance, margin):
        return None
    if not has_biometric_consent(student) or not is_stale(student, seen_at):
        return None
    if EnrollmentProposal.objects.filter(student=student, status=EnrollmentProposal.Status.PENDING).exists():
        return None
    proposal = EnrollmentProposal(
        student=student,
        encoding=pack_encoding(np.asarray(encoding)),
        distance=distance,
        margin=margin,
        seen_at=seen_at,
        where=where[:160],
    )
    proposal.crop.save("crop.jpg", ContentFile(crop_jpeg), save=False)
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:  # another camera proposed one meanwhile (the one-pending constraint)
        proposal.crop.delete(save=False)
        return None
    logger.info("fresh enrollment photo proposed for student %s (distance %.3f)", student.pk, distance)
    return proposal


class ProposalNotAccepted(Refused):
    """The crop did not pass the enrollment checks (or cannot be enrolled): the proposal stays pending."""


def _user(by: User | AnonymousUser | None) -> User | None:
    return by if isinstance(by, User) else None


def accept_proposal(proposal: EnrollmentProposal, by: User | AnonymousUser | None) -> FacePhoto:
    """Enroll the proposal's crop through the enrollment service and its checks (one face, big and sharp enough).
    On refusal the proposal stays pending and ProposalNotAccepted says why."""
    from recognition.services.enrollment import EnrollmentRefused, add_face_photo, encode_pending_photo

    if proposal.status != EnrollmentProposal.Status.PENDING:
        raise ProposalNotAccepted(
            "decided", _("This proposal is %(status)s already.") % {"status": proposal.get_status_display()}
        )
    with proposal.crop.open("rb") as stored:
        data = stored.read()
    try:
        upload = add_face_photo(proposal.student, data, "proposal.jpg", created_by=by)
    except EnrollmentRefused as refusal:
        raise ProposalNotAccepted(refusal.code, str(refusal.code.label)) from None
    photo = upload.photo
    if photo.status == FacePhoto.Status.PENDING:
        # With a worker the encoding is queued: run the checks now (idempotent), the secretary waits for them.
        photo = encode_pending_photo(photo.pk) or photo
    if photo.status != FacePhoto.Status.READY:
        reason = RejectionReason(photo.rejection_code).label if photo.rejection_code else photo.get_status_display()
        code = photo.rejection_code or photo.status
        if upload.created:
            photo.delete()  # a rejected crop is not kept as a photo: the proposal keeps it
        raise ProposalNotAccepted(code, str(reason))
    with transaction.atomic():
        updated = EnrollmentProposal.objects.filter(pk=proposal.pk, status=EnrollmentProposal.Status.PENDING).update(
            status=EnrollmentProposal.Status.ACCEPTED,
            decided_by=_user(by),
            decided_at=timezone.now(),
            face_photo=photo,
        )
    if not updated:
        raise ProposalNotAccepted("decided", _("Someone decided on this proposal meanwhile."))
    proposal.refresh_from_db()
    return photo


def refuse_proposal(proposal: EnrollmentProposal, by: User | AnonymousUser | None) -> bool:
    """Refuse a pending proposal; its crop goes once committed (a refused face is not kept). False when it was
    decided already."""
    storage, name = proposal.crop.storage, proposal.crop.name
    with transaction.atomic():
        updated = EnrollmentProposal.objects.filter(pk=proposal.pk, status=EnrollmentProposal.Status.PENDING).update(
            status=EnrollmentProposal.Status.REFUSED, decided_by=_user(by), decided_at=timezone.now(), crop=""
        )
        if updated:
            delete_files_on_commit(storage, [name])
    proposal.refresh_from_db()
    return bool(updated)


def offer_from_identification(
    student: Student, identification: Identification, *, seen_at: dt.datetime, where: str
) -> EnrollmentProposal | None:
    """Where a camera saw a decided track's confident view (FrameReport.confident_views) or the kiosk decided a face:
    propose its crop when it is confident enough and the student's photos are old. The confidence test needs no
    database, so most calls cost nothing; never raises."""
    if identification.encoding is None or not confident_enough(identification.distance, identification.margin):
        return None
    try:
        return propose_fresh_photo(
            student,
            crop_jpeg=identification.crop_jpeg,
            encoding=identification.encoding,
            distance=identification.distance,
            margin=identification.margin,
            seen_at=seen_at,
            where=where,
        )
    except Exception:
        logger.exception("fresh photo proposal for student %s failed", student.pk)
        return None
