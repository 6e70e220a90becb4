"""Staff review of face groups: who a group of unknown faces is (a student, not a student, or nobody to care about).

Assigning a group to a student may enroll its best crops (UnknownFace.quality) as face photos, through the
enrollment service, so its rules hold (biometric consent, one face, big and sharp enough). Every crop is checked
before anything is written: one that would be rejected refuses the whole assignment with its reason and nothing
is stored, not even the decision. A group's encodings become the student's positives only that way.

Faces of an assigned group that a camera saw during a lesson whose roll is still open, where the student is not
marked present, are offered to the lesson's teacher (attendance.services.review_offers): never marked on their own.

A group decided by mistake is reopened (:func:`reopen_group`): it goes back to the queue as if never decided.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from recognition.engine import ImageRejected, analyse_enrollment_photo, load_image
from recognition.models import FaceGroup, FacePhoto, RejectionReason, UnknownFace
from recognition.services.engine import get_detector
from recognition.services.enrollment import EnrollmentRefused, add_face_photo
from recognition.services.group_centroids import GROUPS_VERSION
from school.errors import Refused
from school.models import Student
from school.services.consent import has_biometric_consent

logger = logging.getLogger(__name__)

#: Crops shown per group on the review page and in the API (the best ones); the group's size counts them all.
FACES_SHOWN = 8
#: The most crops one assignment may enroll.
MAX_ENROLL = 10


class GroupRefused(Refused):
    """The group cannot be decided as asked; nothing was written. `detail` is meant for people (translated)."""


@dataclass(frozen=True)
class Place:
    where: str
    faces: int
    last_seen_at: Any


@dataclass
class GroupAssigned:
    group: FaceGroup
    face_photos: list[FacePhoto] = field(default_factory=list)
    offered: int = 0  # camera sightings offered to teachers


@dataclass(frozen=True)
class GroupReopened:
    group: FaceGroup
    undone: str  # the decision taken back; OPEN when the group was open already and nothing changed
    student: Student | None = None  # whom it had been assigned to: the face photos enrolled from it stay theirs
    offers_withdrawn: int = 0  # lessons whose teacher no longer sees an offer to mark that student


def review_queryset(decision: str = FaceGroup.Decision.OPEN) -> QuerySet[FaceGroup]:
    """Groups with `decision`, largest first, each with its best crops in `shown_faces` (one query for all)."""
    best = UnknownFace.objects.order_by("-quality", "-seen_at", "-pk")[:FACES_SHOWN]
    return (
        FaceGroup.objects.filter(decision=decision, size__gt=0)
        .select_related("student", "decided_by")
        .prefetch_related(Prefetch("faces", queryset=best, to_attr="shown_faces"))
        .order_by("-size", "-last_seen_at", "-pk")
    )


def attach_places(groups: list[FaceGroup]) -> list[FaceGroup]:
    """Set `places` on each group: where its faces were seen (camera or gallery names), most faces first. One
    query for all the groups."""
    places: dict[int, list[Place]] = defaultdict(list)
    rows = (
        UnknownFace.objects.filter(group__in=[group.pk for group in groups])
        .values("group_id", "where")
        .annotate(faces=Count("pk"), last=Max("seen_at"))
        .order_by("group_id", "-faces", "where")
    )
    for row in rows:
        places[row["group_id"]].append(Place(row["where"], row["faces"], row["last"]))
    for group in groups:
        group.places = places.get(group.pk, [])  # type: ignore[attr-defined]
    return groups


def review_groups(*, decision: str = FaceGroup.Decision.OPEN, limit: int = 20, offset: int = 0) -> list[FaceGroup]:
    """The groups to review, largest first, with their best crops (`shown_faces`) and `places`: three queries."""
    return attach_places(list(review_queryset(decision)[offset : offset + limit]))


def _refusal(code: RejectionReason, technical_detail: str) -> GroupRefused:
    return GroupRefused(code.value, f"{code.label} ({technical_detail})")


def _checked_crop(face: UnknownFace) -> bytes:
    """The crop's bytes once they pass the checks the encoding task will make; GroupRefused otherwise."""
    try:
        with face.crop.open("rb") as stored:
            data = stored.read()
    except (FileNotFoundError, ValueError):
        raise _refusal(RejectionReason.NOT_AN_IMAGE, f"the crop of face {face.pk} is missing") from None
    try:
        analyse_enrollment_photo(
            load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS),
            get_detector(),
            min_face_px=settings.ENROLL_MIN_FACE_PX,
            min_sharpness=settings.ENROLL_MIN_SHARPNESS,
        )
    except ImageRejected as rejection:
        raise _refusal(RejectionReason(rejection.code), rejection.detail) from None
    return data


def best_crops(group: FaceGroup, count: int) -> list[UnknownFace]:
    """The group's `count` best faces that have a crop (highest quality first)."""
    if count <= 0:
        return []
    return list(group.faces.exclude(crop="").order_by("-quality", "-seen_at", "-pk")[:count])


def _reviewer(by: User | AnonymousUser | None) -> User | None:
    return by if isinstance(by, User) else None


def _lock_open(group: FaceGroup) -> FaceGroup:
    locked = FaceGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise GroupRefused("group_gone", _("The group no longer exists."))
    if locked.decision != FaceGroup.Decision.OPEN:
        raise GroupRefused(
            "already_decided",
            _("The group was already decided: %(decision)s.") % {"decision": locked.get_decision_display()},
        )
    return locked


def _decide(locked: FaceGroup, decision: str, by: User | AnonymousUser | None, student: Student | None) -> None:
    locked.decision = decision
    locked.student = student
    locked.decided_by = _reviewer(by)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "student", "decided_by", "decided_at"])
    GROUPS_VERSION.bump_on_commit()  # what the not-a-student alerts read


def assign_group(
    group: FaceGroup, student: Student, *, enroll: int = 0, by: User | AnonymousUser | None
) -> GroupAssigned:
    """Say the group is `student`; with `enroll` > 0, add its `enroll` best crops to the student's face photos.

    Raises GroupRefused (nothing written): `no_consent` or an enrollment rejection code (`no_face`,
    `face_too_small`, `too_blurry`...) when enrolling, `already_decided` for a group decided meanwhile.
    The group's camera sightings during lessons still open are offered to their teachers, never marked.
    """
    enroll = max(0, min(enroll, MAX_ENROLL))
    crops: list[tuple[UnknownFace, bytes]] = []
    if enroll:
        if not has_biometric_consent(student):
            raise _refusal(RejectionReason.NO_CONSENT, "the student has no biometric consent")
        # The slow checks run before the transaction; a rejected crop refuses everything.
        crops = [(face, _checked_crop(face)) for face in best_crops(group, enroll)]
    from attendance.services.review_offers import offer_assigned_faces  # attendance imports recognition

    with transaction.atomic():
        locked = _lock_open(group)
        _decide(locked, FaceGroup.Decision.STUDENT, by, student)
        photos = []
        for face, data in crops:
            try:
                upload = add_face_photo(student, data, f"review-face-{face.pk}.jpg", created_by=by)
            except EnrollmentRefused as refusal:  # consent withdrawn meanwhile: the decision goes too
                raise _refusal(refusal.code, refusal.detail) from None
            photos.append(upload.photo)
        offered = offer_assigned_faces(UnknownFace.objects.filter(group=locked), student)
    for photo in photos:
        photo.refresh_from_db()  # the encoding may have run at the commit (embedded mode)
    return GroupAssigned(group=locked, face_photos=photos, offered=offered)


def mark_not_a_student(group: FaceGroup, *, by: User | AnonymousUser | None) -> FaceGroup:
    """Say the group is nobody enrolled (a visitor, a teacher): unknown_face alerts stop for its faces."""
    with transaction.atomic():
        locked = _lock_open(group)
        _decide(locked, FaceGroup.Decision.NOT_A_STUDENT, by, None)
    return locked


def ignore_group(group: FaceGroup, *, by: User | AnonymousUser | None) -> FaceGroup:
    """Take the group out of the queue without saying who it is (a poster, a blurred face)."""
    with transaction.atomic():
        locked = _lock_open(group)
        _decide(locked, FaceGroup.Decision.IGNORED, by, None)
    return locked


def reopen_group(group: FaceGroup, *, by: User | AnonymousUser | None) -> GroupReopened:
    """Put a group decided by mistake back in the queue: no decision, student or decider. Idempotent: an open group
    is left as it is. Raises GroupRefused (`group_gone`) for a group removed meanwhile.

    "Not a student" stops suppressing unknown_face alerts for its faces, and its faces fall back under
    UNKNOWN_FACE_RETENTION_DAYS (only an assigned group's are kept). Undoing an assignment keeps the face photos it
    enrolled: they are the student's enrollment photos now, removed on the student's page if wrong; the offers
    its sightings made to teachers (to mark that student) are taken back, and a new assignment may offer them again.
    """
    from attendance.services.review_offers import withdraw_offers  # attendance imports recognition

    with transaction.atomic():
        locked = FaceGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            raise GroupRefused("group_gone", _("The group no longer exists."))
        undone, student = locked.decision, locked.student
        if undone == FaceGroup.Decision.OPEN:
            return GroupReopened(group=locked, undone=undone)
        locked.decision = FaceGroup.Decision.OPEN
        locked.student = None
        locked.decided_by = None
        locked.decided_at = None
        locked.save(update_fields=["decision", "student", "decided_by", "decided_at"])
        withdrawn = withdraw_offers(UnknownFace.objects.filter(group=locked), student) if student else 0
        GROUPS_VERSION.bump_on_commit()  # what the not-a-student alerts read
    # No column says who reopened a group (the decision's are cleared): the log does.
    reviewer = _reviewer(by)
    logger.info("face group %s (%s) reopened by user %s", locked.pk, undone, reviewer.pk if reviewer else None)
    return GroupReopened(group=locked, undone=undone, student=student, offers_withdrawn=withdrawn)


def face_photo_count(student: Student) -> int:
    """The student's enrollment photos that are not rejected (what the review page shows growing)."""
    return FacePhoto.objects.filter(student=student).exclude(status=FacePhoto.Status.REJECTED).count()


def search_students(text: str, *, limit: int = 10) -> list[Student]:
    """Active students whose name or registration contains every word of `text` (the review page's search), each
    with `photo_count` (face photos not rejected)."""
    words = text.split()
    if not words:
        return []
    wanted = Q(active=True)
    for word in words[:5]:
        wanted &= Q(full_name__icontains=word) | Q(registration__icontains=word)
    kept = ~Q(face_photos__status=FacePhoto.Status.REJECTED) & Q(face_photos__isnull=False)
    students = Student.objects.filter(wanted).annotate(photo_count=Count("face_photos", filter=kept))
    return list(students.order_by("full_name", "pk")[:limit])
