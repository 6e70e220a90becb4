from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required, user_passes_test
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recognition.models import FaceMatch, FacePhoto, GalleryPhoto
from recognition.services.privacy import PhotoNotProcessed, public_rendition
from school.downloads import logged_file
from school.models import AccessKind, Student


@permission_required("recognition.view_facephoto", raise_exception=True)
@cache_control(private=True, max_age=3600)
def face_photo_image(request: HttpRequest, pk: int) -> FileResponse:
    """The stored photo, for staff only: face photos are never served from a public media URL."""
    photo = get_object_or_404(FacePhoto.objects.select_related("student"), pk=pk)
    return logged_file(
        request,
        photo.image,
        AccessKind.FACE_PHOTO,
        student=photo.student,
        target=f"face photo {photo.pk}",
        content_type=_content_type(photo.image.name or ""),
    )


def _is_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A logged-in user who is not staff is refused (403), rather than sent to log in again."""
    if not getattr(user, "is_staff", False):
        raise PermissionDenied
    return True


@require_safe
@login_required
@permission_required("recognition.view_gallery", raise_exception=True)
@cache_control(private=True, no_cache=True)
def gallery_photo_public(request: HttpRequest, gallery_id: int, photo_id: int) -> HttpResponse:
    """The photo as it may be shared: the faces of students without image consent (and unknown ones, where the
    gallery asks) blurred. Reviews change what is blurred, so browsers revalidate every time."""
    photo = get_object_or_404(GalleryPhoto.objects.select_related("gallery"), pk=photo_id, gallery_id=gallery_id)
    try:
        data = public_rendition(photo)
    except PhotoNotProcessed as refusal:
        return JsonResponse(
            {"code": refusal.code, "detail": _("The photo's faces have not been processed yet.")}, status=409
        )
    return HttpResponse(data, content_type="image/jpeg")


@require_safe
@login_required
@user_passes_test(_is_staff)
@permission_required("recognition.change_gallery", raise_exception=True)
@cache_control(private=True, max_age=3600)
def gallery_photo_original(request: HttpRequest, gallery_id: int, photo_id: int) -> FileResponse:
    """The photo unblurred (as stored: re-encoded on upload), faces and all: staff who manage galleries only."""
    photo = get_object_or_404(GalleryPhoto, pk=photo_id, gallery_id=gallery_id)
    # One entry per view: the student when one is found in the photo, everyone found listed in what was seen.
    students = _students_in(photo)
    registrations = ", ".join(student.registration for student in students)
    return logged_file(
        request,
        photo.image,
        AccessKind.GALLERY_ORIGINAL,
        student=students[0] if len(students) == 1 else None,
        target=f"gallery {gallery_id} photo {photo.pk}" + (f": {registrations}" if registrations else ""),
        content_type=_content_type(photo.image.name or ""),
    )


def _students_in(photo: GalleryPhoto) -> list[Student]:
    """The students the photo's faces may be (matches no reviewer rejected)."""
    matched = FaceMatch.objects.filter(photo_face__photo=photo).exclude(confirmed=False).values("student_id")
    return list(Student.objects.filter(pk__in=matched).order_by("registration"))


def _content_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(suffix, "image/jpeg")
