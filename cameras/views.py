"""The camera relay: the browser sees the video through the server, never the camera's own address.

The processor publishes annotated frames to the frame bus; this view re-serves them as an MJPEG stream (what an
``<img>`` tag plays natively) to whoever may follow the classroom. Asynchronous all the way: under ASGI a sync
iterator would be buffered whole before anything is sent, and each viewer would hold a thread for hours.

The camera's still (its latest unannotated frame) is served as one JPEG to those who may change the camera: the
admin's analytics editor draws over it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from attendance.services.access import can_follow
from cameras.models import Camera
from cameras.services.access import can_monitor_cameras
from cameras.services.frames import AsyncFrameReader, latest_still
from cameras.services.kiosk import enrollment_thumbnail, kiosk_page_settings
from cameras.services.overlay import placeholder_jpeg
from school.models import AccessKind, Classroom, Student
from school.services.access_log import log_access

BOUNDARY = "frame"
#: The relay looks for a new frame this often: the processor publishes at most 5 fps.
POLL_S = 0.2
#: With no live frame, the "no signal" picture is repeated this often (a browser shows the last part it got).
PLACEHOLDER_EVERY_S = 2.0


async def live_stream(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    camera = await sync_to_async(_followed_camera)(request, pk)
    response = StreamingHttpResponse(
        mjpeg_parts(camera.pk, placeholder_jpeg(_("No signal"))),
        content_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a proxy (nginx) must pass parts on as they come
    return response


def _followed_camera(request: HttpRequest, pk: int) -> Camera:
    """The camera, if the user may watch it (404/403 otherwise)."""
    try:
        camera = Camera.objects.select_related("classroom").filter(pk=pk).first()
        if camera is None:
            raise Http404(_("No such camera."))
        if not (can_follow(request.user, camera.classroom) or can_monitor_cameras(request.user)):
            raise PermissionDenied(_("You do not follow this camera's classroom."))
        return camera
    finally:
        # The stream may last for hours without another query: an idle database connection held that long per
        # viewer would use up PostgreSQL's connections.
        connections.close_all()


def mjpeg_part(jpeg: bytes) -> bytes:
    header = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return header.encode("ascii") + jpeg + b"\r\n"


async def mjpeg_parts(camera_id: int, placeholder: bytes) -> AsyncIterator[bytes]:
    """The camera's frames as MJPEG parts, each frame once, until the client goes away.

    When the client disconnects, Django's ASGI handler cancels the response: the CancelledError raised at the next
    await ends this generator, and the reader is closed on the way out.
    """
    reader = AsyncFrameReader()
    last: bytes | None = None
    placeholder_at = 0.0
    try:
        while True:
            frame = await reader.latest(camera_id)
            if frame is None:
                now = time.monotonic()
                if last is not placeholder or now - placeholder_at >= PLACEHOLDER_EVERY_S:
                    last, placeholder_at = placeholder, now
                    yield mjpeg_part(placeholder)
            elif frame != last:
                last = frame
                yield mjpeg_part(frame)
            await asyncio.sleep(POLL_S)
    finally:
        await reader.aclose()


@login_required
def still(request: HttpRequest, pk: int) -> HttpResponse:
    """The camera's latest still as a JPEG; with none (a camera that has not run for a day), a 404 saying so, on
    which the editor draws over an empty frame."""
    if not request.user.has_perm("cameras.change_camera"):
        raise PermissionDenied
    camera = get_object_or_404(Camera, pk=pk)
    jpeg = latest_still(camera.pk)
    if jpeg is None:
        response: HttpResponse = HttpResponseNotFound(
            _("No picture from this camera yet."), content_type="text/plain; charset=utf-8"
        )
    else:
        response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"  # what a classroom looks like: never in a shared cache
    return response


@login_required
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    """The kiosk page: this device's webcam takes the class's attendance (README, "The kiosk")."""
    classroom = _kiosk_classroom(request, code)
    # No model loading here: the page opens its socket at once, and the first socket loads them (kiosk_pool).
    return render(
        request,
        "cameras/kiosk.html",
        {
            "classroom": classroom,
            "socket_path": f"/ws/frames/{classroom.code}/",
            "kiosk_settings": kiosk_page_settings(),
        },
    )


@login_required
@cache_control(private=True, max_age=3600)
def kiosk_photo(request: HttpRequest, code: str, student_id: int) -> HttpResponse:
    """A student's enrollment photo, small, for the kiosk's confirmation: only the classroom's own students."""
    classroom = _kiosk_classroom(request, code)
    jpeg = enrollment_thumbnail(classroom, student_id)
    if jpeg is None:
        raise Http404(_("No photo of this student."))
    response = HttpResponse(jpeg, content_type="image/jpeg")
    student = Student.objects.filter(pk=student_id).first()
    log_access(request, AccessKind.FACE_PHOTO, student=student, target=f"kiosk {classroom.code} thumbnail")
    return response


def _kiosk_classroom(request: HttpRequest, code: str) -> Classroom:
    classroom = get_object_or_404(Classroom, code=code)
    if not can_follow(request.user, classroom):
        raise PermissionDenied(_("You do not take this class's attendance."))
    return classroom
