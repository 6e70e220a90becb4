"""Server-rendered staff pages of gallery recognition. Thin: each calls the gallery services or page selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from recognition.models import Gallery, GalleryPhoto, PhotoJob
from recognition.services.gallery import AddedPhoto, add_gallery_photos, queue_gallery, retry_jobs
from recognition.services.gallery_pages import (
    PHOTOS_PER_PAGE,
    can_view_galleries,
    failed_jobs,
    gallery_page,
    gallery_rows,
    gallery_students,
    photo_page,
    photo_tiles,
    upload_outcomes,
)
from school.throttling import throttled

View = TypeVar("View", bound=Callable[..., HttpResponse])

TABS = ("photos", "recognition", "failed")


def gallery_viewer_required(view: View) -> View:
    """Logged-in staff with the gallery view permissions; anyone else logged in is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view_galleries(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _labels() -> dict[str, Any]:
    """Texts the page's script shows (translated here, so the script holds none)."""
    return {
        "progress": _("%(done)s of %(total)s"),
        "failed": _("%(failed)s failed"),
        "connecting": _("Connecting…"),
        "connected": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "forbidden": _("Access refused"),
        "queued": _("%(queued)s photos queued, %(cached)s done at once from earlier results."),
        "request_failed": _("The request failed. Try again."),
        "files_chosen": _("%(count)s files chosen"),
        "choose_student": _("Choose a student from the list."),
        "statuses": {status.value: str(status.label) for status in PhotoJob.Status},
    }


def _student_param(request: HttpRequest) -> int | None:
    value = request.GET.get("student", "")
    return int(value) if value.isdigit() else None


def _render_gallery(
    request: HttpRequest, gallery: Gallery, uploaded: list[AddedPhoto] | None = None, status: int = 200
) -> HttpResponse:
    student_id = _student_param(request)
    tab = request.GET.get("tab", "photos")
    if tab not in TABS or student_id is not None:
        tab = "photos"
    context = {
        "page": gallery_page(gallery, student_id=student_id, page_number=request.GET.get("page", 1)),
        "tab": tab,
        "uploaded": None if uploaded is None else upload_outcomes(uploaded),
        "labels": _labels(),
    }
    return render(request, "recognition/gallery.html", context, status=status)


@require_safe
@gallery_viewer_required
def gallery_list(request: HttpRequest) -> HttpResponse:
    return render(request, "recognition/gallery_list.html", {"rows": gallery_rows()})


@require_safe
@gallery_viewer_required
def gallery_detail(request: HttpRequest, gallery_id: int) -> HttpResponse:
    return _render_gallery(request, get_object_or_404(Gallery, pk=gallery_id))


@require_POST
@gallery_viewer_required
@throttled("uploads")
def gallery_upload(request: HttpRequest, gallery_id: int) -> HttpResponse:
    """Store the uploaded files (a plain multiple-file form) and show the page with each file's outcome."""
    _require(request, "recognition.add_galleryphoto")
    gallery = get_object_or_404(Gallery, pk=gallery_id)
    files = [(upload.name or "", upload.read()) for upload in request.FILES.getlist("files")]
    uploaded = add_gallery_photos(gallery, files, request.user) if files else []
    if not files:
        messages.warning(request, _("Choose one or more photos to upload."))
    return _render_gallery(request, gallery, uploaded=uploaded)


@require_POST
@gallery_viewer_required
def gallery_process(request: HttpRequest, gallery_id: int) -> HttpResponseRedirect:
    """Queue every photo not processed yet (the form without the page's script; the script calls the API)."""
    _require(request, "recognition.change_photojob")
    result = queue_gallery(get_object_or_404(Gallery, pk=gallery_id))
    messages.success(
        request,
        _("%(queued)s photos queued, %(cached)s done at once from earlier results.")
        % {"queued": result.queued, "cached": result.cached},
    )
    return redirect("recognition:gallery", gallery_id=gallery_id)


@require_POST
@gallery_viewer_required
def gallery_retry(request: HttpRequest, gallery_id: int) -> HttpResponseRedirect:
    """Queue again the gallery's failed jobs: the one whose button was pressed (`job`), or all of them."""
    _require(request, "recognition.change_photojob")
    gallery = get_object_or_404(Gallery, pk=gallery_id)
    wanted = {int(value) for value in request.POST.getlist("job") if value.isdigit()}
    job_ids = [job.pk for job in failed_jobs(gallery) if not wanted or job.pk in wanted]
    queued = retry_jobs(job_ids)
    messages.success(request, _("%(count)s photos queued again.") % {"count": queued})
    return HttpResponseRedirect(reverse("recognition:gallery", args=[gallery_id]) + "?tab=failed")


@require_safe
@gallery_viewer_required
def gallery_photo(request: HttpRequest, gallery_id: int, photo_id: int) -> HttpResponse:
    photo = get_object_or_404(GalleryPhoto.objects.select_related("gallery"), pk=photo_id, gallery_id=gallery_id)
    context = {
        "view": photo_page(photo),
        "gallery": photo.gallery,
        "student": _student_param(request),
        "labels": _labels(),
    }
    return render(request, "recognition/gallery_photo.html", context)


# The gallery page's fragments: the same templates the page includes, fetched by its script when the gallery's
# socket says a photo finished, so the grid, the lists and the tab counts follow without a reload.


@require_safe
@never_cache
@gallery_viewer_required
def gallery_tiles(request: HttpRequest, gallery_id: int) -> HttpResponse:
    """The grid tiles of the photos asked for (`photo`, repeated; at most a page of them)."""
    gallery = get_object_or_404(Gallery, pk=gallery_id)
    photo_ids = [int(value) for value in request.GET.getlist("photo") if value.isdigit()][:PHOTOS_PER_PAGE]
    context = {"gallery": gallery, "tiles": photo_tiles(gallery, photo_ids), "student_id": _student_param(request)}
    return render(request, "recognition/_gallery_tiles.html", context)


@require_safe
@never_cache
@gallery_viewer_required
def gallery_results(request: HttpRequest, gallery_id: int) -> HttpResponse:
    """The Recognition tab's list of students found, with their photo counts."""
    gallery = get_object_or_404(Gallery, pk=gallery_id)
    context = {"gallery": gallery, "students": gallery_students(gallery)}
    return render(request, "recognition/_gallery_results.html", context)


@require_safe
@never_cache
@gallery_viewer_required
def gallery_failed(request: HttpRequest, gallery_id: int) -> HttpResponse:
    """The Failed tab's list of jobs in error or dead."""
    gallery = get_object_or_404(Gallery, pk=gallery_id)
    context = {"gallery": gallery, "failed_jobs": list(failed_jobs(gallery))}
    return render(request, "recognition/_gallery_failed.html", context)
