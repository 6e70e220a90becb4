"""The crop of a fresh enrollment photo proposal, for the secretaries who decide on it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recognition.models import EnrollmentProposal
from school.models import AccessKind
from school.services.access_log import log_access


@require_safe
@login_required
@permission_required("recognition.view_enrollmentproposal", raise_exception=True)
@cache_control(private=True, max_age=3600)
def proposal_crop(request: HttpRequest, pk: int) -> FileResponse:
    proposal = get_object_or_404(EnrollmentProposal.objects.select_related("student"), pk=pk)
    if not proposal.crop:
        raise Http404  # refused: its crop is gone
    response = FileResponse(proposal.crop.open("rb"), content_type="image/jpeg")
    log_access(request, AccessKind.FACE_PHOTO, student=proposal.student, target=f"enrollment proposal {proposal.pk}")
    return response
