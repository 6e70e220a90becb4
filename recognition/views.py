from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control

from recognition.models import FacePhoto


@permission_required("recognition.view_facephoto", raise_exception=True)
@cache_control(private=True, max_age=3600)
def face_photo_image(request: HttpRequest, pk: int) -> FileResponse:
    """The stored photo, for staff only: face photos are never served from a public media URL."""
    photo = get_object_or_404(FacePhoto, pk=pk)
    return FileResponse(photo.image.open("rb"), content_type=_content_type(photo.image.name or ""))


def _content_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(suffix, "image/jpeg")
