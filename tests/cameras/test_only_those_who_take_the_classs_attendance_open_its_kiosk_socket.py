"""The kiosk socket is for the classroom's teachers and the secretaries; anyone else is refused (4403)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from school.asgi import application
from tests.factories import ClassroomFactory, SecretaryFactory, TeacherFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db


async def connect(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, int | str | None]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected, code


async def test_the_classs_teacher_and_a_secretary_are_let_in_and_others_refused() -> None:
    classroom = await database_sync_to_async(ClassroomFactory)(code="3AT.I")
    teacher = await database_sync_to_async(lambda: session_headers(TeacherFactory(classrooms=[classroom])))()
    secretary = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    foreign = await database_sync_to_async(lambda: session_headers(TeacherFactory()))()
    anonymous = [(b"origin", b"http://localhost")]

    assert (await connect("/ws/frames/3AT.I/", teacher))[0]
    assert (await connect("/ws/frames/3AT.I/", secretary))[0]
    assert await connect("/ws/frames/3AT.I/", foreign) == (False, 4403)
    assert await connect("/ws/frames/3AT.I/", anonymous) == (False, 4403)
    assert await connect("/ws/frames/9ZZ.Z/", teacher) == (False, 4403)
