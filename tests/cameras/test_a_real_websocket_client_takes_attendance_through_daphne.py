"""A real WebSocket client (the ``websockets`` library, not Channels' test communicator) against daphne: the
teacher's session cookie opens the kiosk socket, Lin-Manuel Miranda's frames are named, his blink marks him present
(source kiosk); a client without a session is refused at the handshake."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from attendance.models import Presence
from tests.cameras.conftest import CLIP_STUDENT, enroll, lesson_now
from tests.cameras.kiosk_frames import closed_eyes, open_eyes
from tests.cameras.kiosk_support import LIN
from tests.factories import ClassroomFactory, TeacherFactory
from tests.support.sockets import session_headers

#: The kiosk page's pace while it waits for a blink (KIOSK_BLINK_INTERVAL_S), above MIN_FRAME_INTERVAL.
GAP_S = 0.15


def socket_url(server: str, code: str) -> str:
    return f"{server.replace('http://', 'ws://', 1)}/ws/frames/{code}/"


def open_socket(server: str, code: str, cookie: str | None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else None
    # proxy=None: loopback, whatever proxy the environment names.
    return connect(socket_url(server, code), origin="http://localhost", additional_headers=headers, proxy=None)


def ask(socket: ClientConnection, frame: bytes) -> dict[str, Any]:
    """Send one frame, wait for its reply, then wait out the kiosk page's interval."""
    started = time.monotonic()
    socket.send(frame)
    reply = json.loads(socket.recv(timeout=30))
    time.sleep(max(0.0, GAP_S - (time.monotonic() - started)))
    assert reply["type"] == "detection_results", reply
    return dict(reply)


def his_state(reply: dict[str, Any]) -> str | None:
    faces = [face for face in reply["faces"] if face["name"] == "Lin-Manuel Miranda"]
    return faces[0]["state"] if faces else None


@pytest.fixture
def school_api(asgi_live_server: str, settings: Any) -> None:
    """The photo is enrolled through the upload API from this process's client (host "testserver"), which the live
    server's ALLOWED_HOSTS left out; the server, already started, keeps its own."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def test_a_websockets_client_is_named_then_marked_once_he_blinks(asgi_live_server: str, school_api: None) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = lesson_now(classroom)
    student = enroll(classroom, *CLIP_STUDENT)
    headers = dict(session_headers(TeacherFactory(classrooms=[classroom])))

    with open_socket(asgi_live_server, classroom.code, headers[b"cookie"].decode()) as socket:
        replies = []
        for seed in range(40):  # ~6 s of looking at the kiosk; recognition needs MIN_FACES frames of him
            replies.append(ask(socket, open_eyes(LIN, seed)))
            if his_state(replies[-1]) == "blink":
                break
        assert his_state(replies[-1]) == "blink", [reply["faces"] for reply in replies]
        assert replies[-1]["liveness"] == {"mode": "blink", "waiting": True}
        assert replies[-1]["lesson"]["id"] == lesson.pk
        assert not any(reply["marked"] for reply in replies)
        assert not Presence.objects.exists()

        ask(socket, closed_eyes(LIN, 100))
        reopened = ask(socket, open_eyes(LIN, 101))

    assert [entry["name"] for entry in reopened["marked"]] == ["Lin-Manuel Miranda"]
    assert reopened["marked"][0]["student_id"] == student.pk
    assert his_state(reopened) == "marked"
    assert list(Presence.objects.values_list("lesson_id", "student_id", "source")) == [(lesson.pk, student.pk, "kiosk")]


def test_a_client_without_a_session_is_refused_at_the_handshake(asgi_live_server: str) -> None:
    ClassroomFactory(code="3AT.I")

    # The consumer closes (4403) before accepting: daphne answers the handshake with 403 Forbidden.
    with pytest.raises(InvalidStatus) as refused:
        open_socket(asgi_live_server, "3AT.I", cookie=None)

    assert refused.value.response.status_code == 403
