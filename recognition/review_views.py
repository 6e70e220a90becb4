"""The "Faces to review" page (staff with recognition.change_facegroup) and the crops it shows. Thin: the page's
script decides through the API (recognition/review_api.py); the queue comes from face_groups.review_groups."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recognition.models import FaceGroup, UnknownFace
from recognition.services.face_groups import MAX_ENROLL, attach_places, review_queryset
from school.models import AccessKind
from school.services.access_log import log_access

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
    face = get_object_or_404(UnknownFace.objects.select_related("group__student"), pk=pk)
    if not face.crop:
        raise Http404
    try:
        response = FileResponse(face.crop.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None
    student = face.group.student if face.group else None
    log_access(request, AccessKind.FACE_PHOTO, student=student, target=f"unknown face {face.pk}")
    return response
