from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from attendance.services.sightings import record_sighting
from school.asgi import application
from school.models import Lesson, Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, TeacherFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db


@database_sync_to_async
def classroom_in_session() -> tuple[Lesson, Student, Student, list[tuple[bytes, bytes]]]:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = Lesson.objects.select_related("classroom").get(pk=in_session(classroom).pk)  # async code can't lazy-load
    first = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    second = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    return lesson, first, second, session_headers(TeacherFactory(classrooms=[classroom]))


async def connect(lesson: Lesson, headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    connected, _subprotocol = await communicator.connect()
    return communicator, connected


async def test_a_teacher_gets_a_snapshot_then_each_new_presence() -> None:
    lesson, student, _other, headers = await classroom_in_session()
    communicator, connected = await connect(lesson, headers)
    assert connected
    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["state"]["counts"]["missing"] == 2

    await database_sync_to_async(record_sighting)(student=student, classroom=lesson.classroom, seen_at=timezone.now())

    event = await communicator.receive_json_from(timeout=2)
    assert event["type"] == "attendance.present"
    assert (event["presence"]["student_id"], event["presence"]["status"]) == (student.pk, "present")
    await communicator.disconnect()


async def test_a_rolled_back_presence_is_never_announced() -> None:
    lesson, student, other, headers = await classroom_in_session()
    communicator, _connected = await connect(lesson, headers)
    await communicator.receive_json_from()

    @database_sync_to_async
    def sight_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            record_sighting(student=student, classroom=lesson.classroom, seen_at=timezone.now())
            raise RuntimeError("the rest of the request failed")
        record_sighting(student=other, classroom=lesson.classroom, seen_at=timezone.now())

    await sight_then_fail()

    event = await communicator.receive_json_from(timeout=2)
    assert event["presence"]["student_id"] == other.pk  # the first event is the committed one
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_resync_request_gets_a_fresh_snapshot() -> None:
    lesson, student, _other, headers = await classroom_in_session()
    communicator, _connected = await connect(lesson, headers)
    await communicator.receive_json_from()
    await database_sync_to_async(record_sighting)(student=student, classroom=lesson.classroom, seen_at=timezone.now())
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "resync"})

    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["state"]["present"] == [student.pk]
    await communicator.disconnect()


async def test_anonymous_and_foreign_sockets_are_refused() -> None:
    lesson, _student, _other, _headers = await classroom_in_session()

    @database_sync_to_async
    def foreign_headers() -> list[tuple[bytes, bytes]]:
        return session_headers(TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")]))

    _anonymous, anonymous_connected = await connect(lesson, [(b"origin", b"http://localhost")])
    _foreign, foreign_connected = await connect(lesson, await foreign_headers())

    assert not anonymous_connected
    assert not foreign_connected


async def test_a_socket_from_a_foreign_origin_is_refused() -> None:
    lesson, _student, _other, headers = await classroom_in_session()
    evil = [(name, b"http://evil.example.com" if name == b"origin" else value) for name, value in headers]

    _communicator, connected = await connect(lesson, evil)

    assert not connected
