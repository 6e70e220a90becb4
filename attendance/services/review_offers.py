"""Sightings that staff's review named after the fact, offered to the lesson's teacher to mark by hand.

A face group assigned to a student (recognition.services.face_groups) may hold faces a camera saw during a lesson
whose roll is still open, while the student was not marked present: the teacher's live page shows "Seen by
<camera> at <time>: mark <student> present?" with a button that makes the usual manual change. Nothing is marked
on its own: a review after the fact is a person's word about a face, not a recognition.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from attendance.events import send_review_offer
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
