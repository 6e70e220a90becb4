"""The kiosk's frame socket ``/ws/frames/<code>/``: a browser webcam's frames in, recognitions out.

For those who may take the classroom's attendance (its teachers, the secretaries). Each connection has one
KioskSession and at most one frame in flight: a frame that arrives while the previous one is being recognised, or
sooner than MIN_FRAME_INTERVAL after the last one taken, is dropped (counted, never queued), so a fast or stuck
client cannot pile up work. Recognition runs in a bounded thread pool off the event loop, so a busy kiosk never
stalls the other sockets or the live pages served by the same process.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from attendance.services.access import can_follow
from cameras.services.kiosk import KioskFrameError, KioskSession
from cameras.services.kiosk_stats import KIOSK_STATS
from cameras.services.recognition import warm_up_camera_detector
from school.consumers import FORBIDDEN
from school.models import Classroom
from school.socket_stats import socket_closed, socket_opened

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
#: Frames in the pool (running or waiting), over every socket of the process. Beyond twice the workers a frame is
#: dropped as busy: queued longer, its answer would come seconds after the person moved on.
_admitted = 0


def _forget_pool() -> None:
    global _pool, _admitted
    # A forked child (a server started by a test, a prefork worker) has none of its parent's threads.
    _pool, _admitted = None, 0


os.register_at_fork(after_in_child=_forget_pool)


def kiosk_pool() -> ThreadPoolExecutor:
    """The process's recognition workers for kiosk frames (KIOSK_WORKERS threads), made when the first kiosk
    connects; their first job loads the face models, which Django's start-up leaves for first use.

    The kiosk's only warm-up: it runs in the process that serves the socket (with several web processes the page
    may have come from another) and in a worker thread, so what is kept per thread (dlib's HOG detector, with
    CAMERA_FACE_DETECTOR=hog) is built for a worker too. Called on the event loop only, so it needs no lock;
    `_forget_pool` re-arms it (a fork, a test)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.KIOSK_WORKERS, thread_name_prefix="kiosk")
        _pool.submit(warm_up_camera_detector)
    return _pool


def followed_classroom(user: Any, code: str) -> Classroom | None:
    classroom = Classroom.objects.filter(code=code).first()
    if classroom is None or not can_follow(user, classroom):
        return None
    return classroom


def frame_bytes(text_data: str | None, bytes_data: bytes | None) -> bytes:
    """The JPEG of a message: a binary message as it is, or the base64 ``image`` of a ``process_frame``."""
    limit = settings.KIOSK_MAX_FRAME_BYTES
    if bytes_data is not None:
        if len(bytes_data) > limit:
            raise KioskFrameError("too_large", _("The frame is larger than %(max)d bytes.") % {"max": limit})
        return bytes_data
    if text_data is None or len(text_data) > limit * 4 // 3 + 1024:
        raise KioskFrameError("too_large", _("The frame is larger than %(max)d bytes.") % {"max": limit})
    try:
        message = json.loads(text_data)
    except ValueError:
        message = None
    image = message.get("image") if isinstance(message, dict) and message.get("type") == "process_frame" else None
    if not isinstance(image, str):
        raise KioskFrameError("bad_message", _('Send a JPEG frame, or {"type": "process_frame", "image": "<base64>"}.'))
    if image.startswith("data:"):
        image = image.partition(",")[2]
    try:
        return base64.b64decode(image, validate=True)
    except (binascii.Error, ValueError):
        raise KioskFrameError("bad_message", _("The image is not valid base64.")) from None


class FrameConsumer(AsyncWebsocketConsumer):
    session: KioskSession
    opened = False

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["code"]
        classroom = await database_sync_to_async(followed_classroom)(self.scope.get("user"), code)
        if classroom is None:
            await self.close(code=FORBIDDEN)
            return
        self.session = KioskSession(classroom)
        kiosk_pool()  # made now, so the models load while the kiosk starts its camera
        self.busy = False
        self.last_taken = -float("inf")
        self.opened = True
        socket_opened("frames")
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.opened:
            self.opened = False
            socket_closed("frames")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        global _admitted
        now = time.monotonic()
        if self.busy or _admitted >= 2 * settings.KIOSK_WORKERS:
            KIOSK_STATS.dropped("busy")
            return
        if now - self.last_taken < settings.MIN_FRAME_INTERVAL:
            KIOSK_STATS.dropped("rate_limit")
            return
        try:
            data = frame_bytes(text_data, bytes_data)
        except KioskFrameError as error:
            await self.send_error(error.code, error.detail)
            return
        self.last_taken, self.busy = now, True
        _admitted += 1  # the consumers of a process share one event loop: no lock needed
        # Not awaited here: the consumer must go on reading (and dropping) while the frame is recognised.
        self.recognising = asyncio.ensure_future(self._recognise(data))

    async def _recognise(self, data: bytes) -> None:
        global _admitted
        try:
            reply = await asyncio.wrap_future(kiosk_pool().submit(self._process, data))
        except KioskFrameError as error:
            await self.send_error(error.code, error.detail)
        except Exception:
            logger.exception("kiosk %s: a frame failed", self.session.classroom.code)
            await self.send_error("server_error", _("The frame could not be recognised; the next one will be."))
        else:
            if self.opened:  # the kiosk may have gone while its last frame was recognised
                await self.send(text_data=json.dumps({"type": "detection_results", **reply}))
        finally:
            _admitted -= 1
            self.busy = False

    def _process(self, data: bytes) -> dict[str, Any]:
        # Like a request: the pool's threads live long, so a frame starts and ends as Django's request cycle does
        # (a dropped connection is replaced; none is left open past CONN_MAX_AGE between frames).
        close_old_connections()
        try:
            return self.session.process(data)
        finally:
            close_old_connections()

    async def send_error(self, code: str, detail: str) -> None:
        KIOSK_STATS.error()
        if not self.opened:
            return
        await self.send(text_data=json.dumps({"type": "detection_error", "code": code, "detail": detail}))
