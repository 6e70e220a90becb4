"""Sightings that staff's review named after the fact, offered to the lesson's teacher to mark by hand.

A face group assigned to a student (recognition.services.face_groups) may hold faces a camera saw during a lesson
whose roll is still open, while the student was not marked present: the teacher's live page shows "Seen by
<camera> at <time>: mark <student> present?" with a button that makes the usual manual change. Nothing is marked
on its own: a review after the fact is a person's word about a face, not a recognition. `UnknownFace.offered`
says an offer stands: the teacher's "Dismiss" takes it back for every page of the lesson.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from attendance.events import send_offer_dismissed, send_review_offer
from attendance.models import Presence, PresenceStatus
from recognition.models import FaceGroup, UnknownFace
from school.models import Enrollment, Lesson, Student


def _marked(student_id: Any) -> Exists:
    """The face's lesson already counts the student present or late."""
    return Exists(
        Presence.objects.filter(
            lesson=OuterRef("lesson"),
            student_id=student_id,
            status__in=[PresenceStatus.PRESENT, PresenceStatus.LATE],
        )
    )


def _enrolled(student_id: Any) -> Exists:
    return Exists(
        Enrollment.objects.filter(
            student_id=student_id,
            classroom=OuterRef("lesson__classroom"),
            school_year=OuterRef("lesson__classroom__school_year"),
        )
    )


def offer_payload(face: UnknownFace, student: Student) -> dict[str, Any]:
    return {
        "face_id": face.pk,
        "student_id": student.pk,
        "name": student.full_name,
        "where": face.where,
        "seen_at": face.seen_at.isoformat(),
        # The crop the camera kept: the teacher sees whom the review named before marking them.
        "crop_url": reverse("attendance:offer-crop", args=[face.pk]) if face.crop else None,
    }


def offer_assigned_faces(faces: QuerySet[UnknownFace], student: Student) -> int:
    """Offer to the teachers the camera sightings among `faces` (now known to be `student`) made during lessons
    not closed yet where the student is not present; marks them offered. Returns how many lessons got an offer.
    Call inside the transaction that assigns the group: the live pages hear once it commits."""
    candidates = (
        faces.filter(source=UnknownFace.Source.CAMERA, lesson__isnull=False, offered=False, lesson__roll__isnull=True)
        .filter(_enrolled(student.pk))
        .exclude(_marked(student.pk))
        .order_by("lesson_id", "-seen_at", "-pk")
    )
    latest: dict[int, UnknownFace] = {}
    ids = []
    for face in candidates:
        ids.append(face.pk)
        latest.setdefault(face.lesson_id, face)  # type: ignore[arg-type]  # lesson__isnull=False
    if not ids:
        return 0
    UnknownFace.objects.filter(pk__in=ids).update(offered=True)
    for lesson_id, face in latest.items():
        transaction.on_commit(partial(send_review_offer, lesson_id, offer_payload(face, student)))
    return len(latest)


def lesson_offers(lesson: Lesson) -> list[dict[str, Any]]:
    """The offers still standing for `lesson` (what a live page that connects later shows): the latest offered
    sighting of each student the lesson does not count present yet."""
    faces = (
        UnknownFace.objects.filter(
            lesson=lesson,
            offered=True,
            group__decision=FaceGroup.Decision.STUDENT,
            group__student__isnull=False,
        )
        .exclude(_marked(OuterRef("group__student")))
        .select_related("group__student")
        .order_by("group__student_id", "-seen_at", "-pk")
    )
    offers: dict[int, dict[str, Any]] = {}
    for face in faces:
        student = face.group.student if face.group else None
        if student is not None and student.pk not in offers:
            offers[student.pk] = offer_payload(face, student)
    return sorted(offers.values(), key=lambda offer: offer["seen_at"])


def dismiss_offer(lesson: Lesson, student: Student) -> bool:
    """The teacher's "Dismiss": the lesson's offer to mark `student` goes, on every live page of the lesson and for
    the pages that connect later; the student stays as they were. False when no offer stood."""
    with transaction.atomic():
        dismissed = UnknownFace.objects.filter(
            lesson=lesson, offered=True, group__decision=FaceGroup.Decision.STUDENT, group__student=student
        ).update(offered=False)
        if dismissed:
            transaction.on_commit(partial(send_offer_dismissed, lesson.pk, student.pk))
    return bool(dismissed)


def offered_face(face_id: int) -> UnknownFace | None:
    """The face of a standing or taken offer whose crop the lesson's teachers may see (the view checks who asks)."""
    return (
        UnknownFace.objects.filter(
            pk=face_id, offered=True, lesson__isnull=False, group__decision=FaceGroup.Decision.STUDENT
        )
        .exclude(crop="")
        .select_related("lesson__classroom", "group__student")
        .first()
    )


def withdraw_offers(faces: QuerySet[UnknownFace], student: Student) -> int:
    """Take back the offers to mark `student` that `faces` made (their group is no longer the student: a review
    undone), on every live page of their lessons; another standing offer of the student in such a lesson shows
    instead. Call inside the transaction that reopens the group, once its decision changed. The faces may be
    offered again (to another student) by a new assignment. Returns how many lessons lost an offer."""
    standing = faces.filter(offered=True, lesson__isnull=False, lesson__roll__isnull=True).exclude(_marked(student.pk))
    lessons = list(Lesson.objects.filter(pk__in=standing.values("lesson_id")).order_by("pk"))
    faces.filter(offered=True).update(offered=False)
    for lesson in lessons:
        transaction.on_commit(partial(send_offer_dismissed, lesson.pk, student.pk))
        other = next((offer for offer in lesson_offers(lesson) if offer["student_id"] == student.pk), None)
        if other is not None:
            transaction.on_commit(partial(send_review_offer, lesson.pk, other))
    return len(lessons)
