"""The family's rights on a student's admin page: export everything held about the student, and erase the face data
after a confirmation page that says exactly what goes and what stays (school.services.student_export, .erasure).

StudentAdmin.get_urls adds `student_data_urls`; the page's buttons are in admin/school/student/change_form.html.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from school.models import Student
from school.services.erasure import erase_face_data, erasure_plan
from school.services.student_export import export_filename, write_student_export

EXPORT_PERMISSION = "school.export_student_data"
ERASE_PERMISSION = "school.erase_student_data"
SPOOLED_BYTES = 8 * 1024 * 1024


def student_data_urls(model_admin: admin.ModelAdmin[Student]) -> list[URLPattern]:
    wrap = model_admin.admin_site.admin_view

    def export(request: HttpRequest, object_id: str) -> HttpResponseBase:
        return export_view(model_admin, request, object_id)

    def erase(request: HttpRequest, object_id: str) -> HttpResponse:
        return erase_view(model_admin, request, object_id)

    return [
        path("<path:object_id>/export/", wrap(export), name="school_student_export"),
        path("<path:object_id>/erase-face-data/", wrap(erase), name="school_student_erase"),
    ]


def _student(model_admin: admin.ModelAdmin[Student], request: HttpRequest, object_id: str, permission: str) -> Student:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    student = model_admin.get_object(request, unquote(object_id))
    if student is None:
        raise Http404(_("No student with this id."))
    return student


def export_view(model_admin: admin.ModelAdmin[Student], request: HttpRequest, object_id: str) -> HttpResponseBase:
    """The student's zip, as a download (logged in the access log by the export)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    student = _student(model_admin, request, object_id, EXPORT_PERMISSION)
    # Photos make exports large: past a few MiB the zip waits on disk, not in the worker's memory.
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOLED_BYTES)
    write_student_export(student, archive, request=request)
    archive.seek(0)
    return FileResponse(archive, as_attachment=True, filename=export_filename(student), content_type="application/zip")


def erase_view(model_admin: admin.ModelAdmin[Student], request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: what an erasure would remove and keep, and a button; POST (with the CSRF token): the erasure."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    student = _student(model_admin, request, object_id, ERASE_PERMISSION)
    change_url = reverse("admin:school_student_change", args=[student.pk])
    if request.method == "POST":
        plan = erase_face_data(student, request=request)
        if plan.nothing_to_erase:
            message = _("%(student)s had no face data left to erase. The request is recorded in the access log.")
        else:
            message = _(
                "The face data of %(student)s was erased. The presences stay; the erasure is recorded in the access "
                "log."
            )
        model_admin.message_user(request, message % {"student": student}, messages.SUCCESS)
        return HttpResponseRedirect(change_url)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": Student._meta,
        "original": student,
        "title": _("Erase the face data of %(student)s") % {"student": student},
        "plan": erasure_plan(student),
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/school/student/erase_face_data.html", context)
