from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission
from django.test import AsyncClient

from cameras.services.frames import publish_frame
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, TeacherFactory, UserFactory
from tests.markers import committing_db
from tests.support.images import fixture_bytes

pytestmark = committing_db


@database_sync_to_async
def camera_with_teachers() -> tuple[Any, Any, Any]:
    classroom = ClassroomFactory()
    return CameraFactory(classroom=classroom), TeacherFactory(classrooms=[classroom]), TeacherFactory()


async def next_part(parts: Any) -> tuple[dict[str, str], bytes]:
    """One multipart part (the relay yields one part per chunk): its headers and body."""
    chunk: bytes = await anext(parts)
    head, _, body = chunk.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "--frame"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert body.endswith(b"\r\n") and int(headers["Content-Length"]) == len(body) - 2
    return headers, body[:-2]


async def test_the_classrooms_teacher_gets_each_new_frame_as_a_jpeg_part(
    backend: str, async_client: AsyncClient
) -> None:
    camera, teacher, _foreign = await camera_with_teachers()
    first = fixture_bytes("obama.jpg")
    publish_frame(camera.pk, first)
    await async_client.aforce_login(teacher)

    response: Any = await async_client.get(f"/cameras/{camera.pk}/live.mjpeg")

    assert response.status_code == 200
    assert response["Content-Type"] == "multipart/x-mixed-replace; boundary=frame"
    parts = aiter(response.streaming_content)
    try:
        headers, body = await next_part(parts)
        assert headers["Content-Type"] == "image/jpeg" and body == first
        second = fixture_bytes("biden.jpg")
        publish_frame(camera.pk, second)
        assert (await next_part(parts))[1] == second  # the same frame is not sent twice
    finally:
        await parts.aclose()


async def test_without_a_frame_the_relay_sends_a_no_signal_picture(async_client: AsyncClient) -> None:
    camera, teacher, _foreign = await camera_with_teachers()
    await async_client.aforce_login(teacher)

    response: Any = await async_client.get(f"/cameras/{camera.pk}/live.mjpeg")
    parts = aiter(response.streaming_content)
    try:
        _headers, body = await next_part(parts)
    finally:
        await parts.aclose()

    picture = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape == (360, 640, 3)


async def test_a_teacher_of_another_classroom_an_anonymous_user_and_an_unknown_camera_are_refused(
    async_client: AsyncClient,
) -> None:
    camera, _teacher, foreign = await camera_with_teachers()
    url = f"/cameras/{camera.pk}/live.mjpeg"

    anonymous = await async_client.get(url)
    await async_client.aforce_login(foreign)
    forbidden = await async_client.get(url)
    missing = await async_client.get(f"/cameras/{camera.pk + 1000}/live.mjpeg")

    assert [anonymous.status_code, forbidden.status_code, missing.status_code] == [403, 403, 404]


async def test_staff_who_monitor_every_camera_watch_it_without_following_its_classroom(
    async_client: AsyncClient,
) -> None:
    camera, _teacher, _foreign = await camera_with_teachers()
    monitor = await database_sync_to_async(monitoring_staff)()
    await async_client.aforce_login(monitor)

    response: Any = await async_client.get(f"/cameras/{camera.pk}/live.mjpeg")

    assert response.status_code == 200
    await response.streaming_content.aclose()


def monitoring_staff() -> Any:
    """Staff with the right to see cameras, outside the Secretaries group and teaching no classroom."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_camera", content_type__app_label="cameras"))
    return user
