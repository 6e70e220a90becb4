"""The "Faces to review" page (staff with recognition.change_facegroup) and the crops it shows. Thin: the page's
script decides through the API (recognition/review_api.py); the queue comes from face_groups.review_groups."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recognition.models import FaceGroup, UnknownFace
from recognition.services.face_groups import MAX_ENROLL, attach_places, review_queryset
from school.downloads import logged_file
from school.models import AccessKind

GROUPS_PER_PAGE = 20


def _labels() -> dict[str, Any]:
    """Texts the page's script shows (translated here, so the script holds none)."""
    return {
        "no_match": _("No student found."),
        "choose_student": _("Choose a student from the list."),
        "request_failed": _("The request failed. Try again."),
        "assigned": _("%(name)s: %(count)s face photos"),
        "not_a_student": _("Marked not a student."),
        "ignored": _("Ignored."),
        "photos": _("%(count)s face photos"),
        "empty": _("No faces to review."),
    }


@require_safe
@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    """Open face groups, largest first, with their best crops, where and when they were seen."""
    if not (
        request.user.is_staff and request.user.has_perms(["recognition.view_facegroup", "recognition.change_facegroup"])
    ):
        raise PermissionDenied
    page = Paginator(review_queryset(FaceGroup.Decision.OPEN), GROUPS_PER_PAGE).get_page(request.GET.get("page", 1))
    groups = attach_places(list(page.object_list))
    context = {"page": page, "groups": groups, "labels": _labels(), "max_enroll": MAX_ENROLL}
    return render(request, "recognition/review.html", context)


@require_safe
@login_required
@permission_required("recognition.view_unknownface", raise_exception=True)
@cache_control(private=True, max_age=3600)
def review_face_crop(request: HttpRequest, pk: int) -> FileResponse:
    """An unknown face's crop, for staff only; each view is logged."""
    return unknown_face_crop(request, get_object_or_404(UnknownFace.objects.select_related("group__student"), pk=pk))


def unknown_face_crop(request: HttpRequest, face: UnknownFace) -> FileResponse:
    """The crop of an unknown face, logged with the student its group was assigned to (if any); call it after the
    permission checks (the review page's staff, or the teachers of a lesson it was offered in)."""
    student = face.group.student if face.group else None
    return logged_file(
        request,
        face.crop,
        AccessKind.UNKNOWN_FACE,
        student=student,
        target=f"unknown face {face.pk}",
        content_type="image/jpeg",
    )
