"""Server-rendered pages for teachers: their classes, and a class's live attendance."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendance.models import AttendanceLog, Justification, Roll
from attendance.services.access import can_follow, followed_classrooms
from attendance.services.quality import FALSE_PRESENT_DAYS, recent_false_presents
from attendance.services.review_offers import offered_face
from attendance.services.roll import confirm_roll
from recognition.review_views import unknown_face_crop
from school.downloads import logged_file
from school.models import AccessKind, Classroom, Lesson
from school.services.lessons import current_lesson


@login_required
def my_classes(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    classrooms = list(followed_classrooms(request.user).order_by("code"))
    lessons = Lesson.objects.filter(classroom__in=classrooms, date=today).order_by("start_time")
    by_classroom = {c.pk: [lesson for lesson in lessons if lesson.classroom_id == c.pk] for c in classrooms}
    return render(
        request,
        "attendance/classes.html",
        {"rows": [(c, by_classroom[c.pk]) for c in classrooms], "today": today},
    )


@login_required
def live_class(request: HttpRequest, code: str) -> HttpResponse:
    classroom = get_object_or_404(Classroom, code=code)
    if not can_follow(request.user, classroom):
        raise PermissionDenied
    lesson = current_lesson(classroom)
    labels = {
        "present": _("Present"),
        "late": _("Late"),
        "absent": _("Absent"),
        "missing": _("Missing"),
        "connecting": _("Connecting…"),
        "connected": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "forbidden": _("Access refused"),
        "first_seen": _("arrived at"),
        "manual": _("marked by hand"),
        "no_photo": _("no photo"),
        "save_failed": _("The change could not be saved."),
        "offer": _("Seen by %(where)s at %(time)s: mark %(name)s present?"),
        "mark_present": _("Mark present"),
        "dismiss": _("Dismiss"),
    }
    return render(
        request,
        "attendance/live.html",
        {
            "classroom": classroom,
            "lesson": lesson,
            "cameras": classroom.cameras.filter(enabled=True),
            "rolls": _recent_rolls(classroom),
            "false_presents": recent_false_presents(classroom),
            "false_present_days": FALSE_PRESENT_DAYS,
            "labels": labels,
            "time_zone": settings.TIME_ZONE,  # arrival times read in the school's zone, not the browser's
        },
    )


def _recent_rolls(classroom: Classroom) -> list[Roll]:
    """The classroom's rolls closed in the teachers' edit window, newest lesson first."""
    since = timezone.localdate() - dt.timedelta(days=settings.ROLL_EDIT_DAYS)
    return list(
        Roll.objects.filter(lesson__classroom=classroom, lesson__date__gte=since)
        .select_related("lesson", "confirmed_by")
        .order_by("-lesson__date", "-lesson__start_time")
    )


@require_POST
@login_required
def confirm_lesson_roll(request: HttpRequest, code: str, lesson_id: int) -> HttpResponseRedirect:
    """The "Confirm the roll" button of the live page (the API's POST /api/lessons/<id>/roll/confirm does the same)."""
    roll = get_object_or_404(Roll.objects.select_related("lesson__classroom"), lesson_id=lesson_id)
    if roll.lesson.classroom.code != code:
        raise Http404
    if not can_follow(request.user, roll.lesson.classroom):
        raise PermissionDenied
    confirm_roll(roll, by=request.user)
    return redirect("attendance:live", code=code)


@login_required
def evidence_crop(request: HttpRequest, log_id: int) -> FileResponse:
    log = get_object_or_404(AttendanceLog.objects.select_related("classroom", "student"), pk=log_id)
    if not can_follow(request.user, log.classroom):
        raise PermissionDenied
    return logged_file(
        request,
        log.crop,
        AccessKind.EVIDENCE_CROP,
        student=log.student,
        target=f"attendance log {log.pk}",
        content_type="image/jpeg",
    )


@login_required
def offer_crop(request: HttpRequest, face_id: int) -> FileResponse:
    """The crop of a sighting offered to the lesson's teachers (attendance.services.review_offers)."""
    face = offered_face(face_id)
    if face is None or face.lesson is None:
        raise Http404
    if not can_follow(request.user, face.lesson.classroom):
        raise PermissionDenied
    return unknown_face_crop(request, face)


@login_required
def justification_document(request: HttpRequest, justification_id: int) -> FileResponse:
    """A justification's document (often a medical certificate): to secretaries, and to the teachers of a classroom
    the student is enrolled in."""
    if not request.user.has_perm("attendance.view_justification"):
        raise PermissionDenied
    justification = get_object_or_404(Justification.objects.select_related("student"), pk=justification_id)
    if not followed_classrooms(request.user).filter(enrollments__student=justification.student).exists():
        raise PermissionDenied
    name = (justification.document.name or "").rsplit("/", 1)[-1]
    # Stored documents are PDFs or re-encoded images (school.services.uploads); the name is ours, not the upload's.
    return logged_file(
        request,
        justification.document,
        AccessKind.JUSTIFICATION_DOCUMENT,
        student=justification.student,
        target=f"justification {justification.pk}",
        filename=f"justification-{justification.student.registration}-{name}",
        as_attachment=True,
    )
