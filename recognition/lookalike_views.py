"""The crop of a fresh enrollment photo proposal, for the secretaries who decide on it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recognition.models import EnrollmentProposal
from school.downloads import logged_file
from school.models import AccessKind


@require_safe
@login_required
@permission_required("recognition.view_enrollmentproposal", raise_exception=True)
@cache_control(private=True, max_age=3600)
def proposal_crop(request: HttpRequest, pk: int) -> FileResponse:
    proposal = get_object_or_404(EnrollmentProposal.objects.select_related("student"), pk=pk)
    return logged_file(
        request,
        proposal.crop,
        AccessKind.PROPOSED_PHOTO,
        student=proposal.student,
        target=f"enrollment proposal {proposal.pk}",
        content_type="image/jpeg",
    )
