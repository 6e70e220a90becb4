"""Helpers of the kiosk socket tests: a classroom in session with Lin-Manuel Miranda enrolled, and a socket."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from school.asgi import application
from school.models import Classroom, Lesson, Student
from tests.cameras.conftest import CLIP_STUDENT, enroll, lesson_now
from tests.factories import ClassroomFactory, TeacherFactory
from tests.support.sockets import session_headers

LIN = "lin-manuel-miranda.png"


@dataclass
class Kiosk:
    classroom: Classroom
    lesson: Lesson
    student: Student
    headers: list[tuple[bytes, bytes]]


@database_sync_to_async
def kiosk_school() -> Kiosk:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = lesson_now(classroom)
    student = enroll(classroom, *CLIP_STUDENT)
    headers = session_headers(TeacherFactory(classrooms=[classroom]))
    return Kiosk(classroom, lesson, student, headers)


async def open_kiosk(kiosk: Kiosk) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/frames/{kiosk.classroom.code}/", headers=kiosk.headers)
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


async def ask(communicator: WebsocketCommunicator, frame: bytes, gap_s: float = 0.12) -> dict[str, Any]:
    """Send one frame and wait for its reply; then wait out the socket's minimum interval."""
    started = time.monotonic()
    await communicator.send_to(bytes_data=frame)
    reply = await communicator.receive_json_from(timeout=20)
    await asyncio.sleep(max(0.0, gap_s - (time.monotonic() - started)))
    return dict(reply)
