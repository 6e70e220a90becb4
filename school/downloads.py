"""Serving a stored file of personal data: the one way views hand out face photos, crops, snapshots and documents,
so each is opened the same way and leaves its one access log entry (school.services.access_log)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest

from school.models import AccessKind, Student
from school.services.access_log import log_access


def logged_file(
    request: HttpRequest,
    file: FieldFile | None,
    kind: AccessKind,
    *,
    student: Student | None,
    target: str,
    content_type: str | None = None,
    filename: str = "",
    as_attachment: bool = False,
) -> FileResponse:
    """The file as a response, logged as an access of `kind`; call it after the permission checks.

    404 when the row has no file or its file is gone from storage (a purge or an erasure may remove it after the
    page that links it was rendered): nothing was served, so nothing is logged."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, filename=filename, as_attachment=as_attachment)
    log_access(request, kind, student=student, target=target)
    return response
