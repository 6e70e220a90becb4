from __future__ import annotations

import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from attendance.models import Presence, PresenceSource
from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from cameras.services.supervisor import CameraSupervisor
from school.asgi import application
from tests.cameras.conftest import School
from tests.cameras.factories import CameraFactory
from tests.factories import TeacherFactory
from tests.markers import committing_db

pytestmark = committing_db


def teacher_headers(school: School) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(TeacherFactory(classrooms=[school.classroom]))
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()), (b"origin", b"http://localhost")]


async def test_the_student_in_front_of_the_camera_is_marked_present_live(
    school: School, fake_camera: MjpegServer, quick_processor: None
) -> None:
    camera = await database_sync_to_async(CameraFactory)(classroom=school.classroom, stream_url=fake_camera.url)
    headers = await database_sync_to_async(teacher_headers)(school)
    page = WebsocketCommunicator(application, f"/ws/lessons/{school.lesson.pk}/", headers=headers)
    connected, _ = await page.connect()
    assert connected
    assert (await page.receive_json_from())["type"] == "snapshot"
    # As in the embedded mode: the supervisor runs the processor from this event loop.
    supervisor = CameraSupervisor(interval_s=0.5)
    supervisor.start()
    try:
        event = await page.receive_json_from(timeout=45)  # the clip loops every 9 s; Lin is on stage in it
        status: Any = await database_sync_to_async(Camera.objects.values().get)(pk=camera.pk)
    finally:
        await supervisor.stop()
        await page.disconnect()

    assert event["type"] == "attendance.present"
    assert (event["presence"]["student_id"], event["presence"]["status"]) == (school.student.pk, "present")
    presence = await database_sync_to_async(Presence.objects.select_related("evidence").get)(student=school.student)
    assert presence.lesson_id == school.lesson.pk and presence.source == PresenceSource.CAMERA
    assert presence.evidence is not None and presence.evidence.camera_id == camera.pk
    assert presence.evidence.crop.name.endswith(".jpg") and 0 < (presence.evidence.distance or 1) <= 0.5
    assert status["state"] == Camera.State.RUNNING and status["last_error"] == ""
    assert timezone.now() - status["last_frame_at"] < dt.timedelta(seconds=5)
    assert status["measured_fps"] and status["measured_fps"] > 2
