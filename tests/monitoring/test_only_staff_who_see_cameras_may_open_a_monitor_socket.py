"""The monitor shows every camera of the school: its sockets are for staff who may see cameras (secretaries).
Anyone else is refused before the handshake completes (4403), and a camera that does not exist is a 4404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User

from school.asgi import application
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory, TeacherFactory, UserFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db


def staff_without_camera_rights() -> User:
    return UserFactory(is_staff=True)


@pytest.mark.parametrize("user_factory", [TeacherFactory, staff_without_camera_rights], ids=["teacher", "bare-staff"])
@pytest.mark.parametrize("path", ["/ws/monitor/", "/ws/monitor/cameras/{camera}/"])
async def test_a_user_who_may_not_monitor_is_refused(user_factory: Callable[[], Any], path: str) -> None:
    camera = await database_sync_to_async(CameraFactory)()
    headers = await database_sync_to_async(lambda: session_headers(user_factory()))()
    communicator = WebsocketCommunicator(application, path.format(camera=camera.pk), headers=headers)

    connected, code = await communicator.connect()

    assert (connected, code) == (False, 4403)


async def test_an_anonymous_visitor_is_refused() -> None:
    communicator = WebsocketCommunicator(application, "/ws/monitor/", headers=[(b"origin", b"http://localhost")])

    assert await communicator.connect() == (False, 4403)


async def test_a_camera_that_does_not_exist_is_not_found() -> None:
    headers = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    communicator = WebsocketCommunicator(application, "/ws/monitor/cameras/999999/", headers=headers)

    assert await communicator.connect() == (False, 4404)


async def test_a_secretary_is_let_in_and_gets_the_snapshot() -> None:
    camera = await database_sync_to_async(CameraFactory)()
    headers = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    communicator = WebsocketCommunicator(application, "/ws/monitor/", headers=headers)

    connected, _ = await communicator.connect()

    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "pipeline_status_update" and first["pipeline_id"] == camera.pk
    assert (await communicator.receive_json_from(timeout=5)) == {"type": "snapshot_done"}
    await communicator.disconnect()
