"""What the live class page shows: who is enrolled, present, late and missing."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from attendance.models import Presence, PresenceStatus
from recognition.models import FacePhoto
from school.models import Lesson, Student
from school.services.enrolled import enrollments_on


def presence_payload(presence: Presence) -> dict[str, Any]:
    """One student's presence as sent to pages and API clients."""
    return {
        "student_id": presence.student_id,
        "status": presence.status,
        "source": presence.source,
        "first_seen": presence.first_seen.isoformat() if presence.first_seen else None,
        "last_seen": presence.last_seen.isoformat() if presence.last_seen else None,
        "evidence_url": reverse("attendance:evidence", args=[presence.evidence_id]) if presence.evidence_id else None,
        "distance": presence.evidence.distance if presence.evidence_id and presence.evidence else None,
    }


def enrolled_students(lesson: Lesson) -> list[Student]:
    """The students who count for ``lesson`` (school.services.enrolled: the roll's and the reports' rule), by name."""
    enrollments = enrollments_on([lesson.classroom_id], lesson.date).order_by("student__full_name", "student_id")
    return [enrollment.student for enrollment in enrollments]


def attendance_state(lesson: Lesson) -> dict[str, Any]:
    """The full picture of a lesson: enrolled students, with presence, plus the lists by status."""
    students = enrolled_students(lesson)
    presences = {p.student_id: p for p in Presence.objects.filter(lesson=lesson).select_related("evidence")}
    photos = _latest_photo_per_student(students)
    rows: list[dict[str, Any]] = []
    for student in students:
        presence = presences.get(student.pk)
        rows.append(
            {
                "student_id": student.pk,
                "name": student.full_name,
                "registration": student.registration,
                "photo_url": reverse("recognition:face-photo-image", args=[photos[student.pk]])
                if student.pk in photos
                else None,
                "presence": presence_payload(presence) if presence else None,
            }
        )
    by_status = {
        status: [r["student_id"] for r in rows if r["presence"] and r["presence"]["status"] == status]
        for status in (PresenceStatus.PRESENT, PresenceStatus.LATE)
    }
    missing = [r["student_id"] for r in rows if not r["presence"] or r["presence"]["status"] == PresenceStatus.ABSENT]
    return {
        "lesson": {
            "id": lesson.pk,
            "classroom": lesson.classroom.code,
            "subject": lesson.subject,
            "date": lesson.date.isoformat(),
            "start": lesson.start_time.strftime("%H:%M"),
            "end": lesson.end_time.strftime("%H:%M"),
        },
        "students": rows,
        "present": by_status[PresenceStatus.PRESENT],
        "late": by_status[PresenceStatus.LATE],
        "missing": missing,
        "counts": {
            "enrolled": len(rows),
            "present": len(by_status[PresenceStatus.PRESENT]),
            "late": len(by_status[PresenceStatus.LATE]),
            "missing": len(missing),
        },
    }


def _latest_photo_per_student(students: list[Student]) -> dict[int, int]:
    photos: dict[int, int] = {}
    for student_id, photo_id in (
        FacePhoto.objects.filter(student__in=students, status=FacePhoto.Status.READY)
        .order_by("-created_at")
        .values_list("student_id", "pk")
    ):
        photos.setdefault(student_id, photo_id)
    return photos
