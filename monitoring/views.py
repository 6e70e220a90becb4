from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from monitoring.models import Alert


@staff_member_required
def alert_snapshot(request: HttpRequest, alert_id: int) -> FileResponse:
    """An alert's snapshot (a face crop: personal data), for staff who may see alerts; never a public URL."""
    if not request.user.has_perm("monitoring.view_alert"):
        raise PermissionDenied
    alert = get_object_or_404(Alert, pk=alert_id)
    if not alert.snapshot:
        raise Http404
    response = FileResponse(alert.snapshot.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
