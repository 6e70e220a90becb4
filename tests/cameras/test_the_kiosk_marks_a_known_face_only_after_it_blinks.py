"""At the kiosk, a known face is named as soon as it is recognised, but marked present only once it has blinked
while tracked: then the presence (source kiosk) reaches the live class page. With KIOSK_LIVENESS=off, recognition
alone marks."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from attendance.models import Presence
from school.asgi import application
from tests.cameras.kiosk_frames import closed_eyes, open_eyes
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


def presences() -> list[tuple[int, str]]:
    return list(Presence.objects.values_list("student_id", "source"))


async def test_a_known_face_is_named_then_marked_once_it_blinks() -> None:
    kiosk = await kiosk_school()
    live_page = WebsocketCommunicator(application, f"/ws/lessons/{kiosk.lesson.pk}/", headers=kiosk.headers)
    assert (await live_page.connect())[0]
    await live_page.receive_json_from(timeout=5)  # its snapshot
    socket = await open_kiosk(kiosk)

    replies = [await ask(socket, open_eyes(LIN, seed), gap_s=0.15) for seed in range(12)]  # ~1.8 s looking at it

    assert all(reply["type"] == "detection_results" for reply in replies)
    named = [reply for reply in replies if reply["faces"] and reply["faces"][0]["name"] == "Lin-Manuel Miranda"]
    assert named, [reply["faces"] for reply in replies]
    assert named[-1]["faces"][0]["state"] == "blink" and named[-1]["liveness"] == {"mode": "blink", "waiting": True}
    assert named[-1]["lesson"]["id"] == kiosk.lesson.pk
    assert not any(reply["marked"] for reply in replies)
    assert await database_sync_to_async(presences)() == []

    await ask(socket, closed_eyes(LIN, 100))
    reopened = await ask(socket, open_eyes(LIN, 101))

    assert [entry["name"] for entry in reopened["marked"]] == ["Lin-Manuel Miranda"]
    assert reopened["marked"][0]["status"] in ("present", "late")
    assert reopened["marked"][0]["photo_url"] == f"/classes/3AT.I/kiosk/students/{kiosk.student.pk}/photo.jpg"
    assert reopened["faces"][0]["state"] == "marked" and not reopened["liveness"]["waiting"]
    assert await database_sync_to_async(presences)() == [(kiosk.student.pk, "kiosk")]
    event = await live_page.receive_json_from(timeout=5)
    assert event["type"] == "attendance.present" and event["presence"]["student_id"] == kiosk.student.pk

    again = await ask(socket, open_eyes(LIN, 102))
    assert again["marked"] == [] and again["faces"][0]["state"] == "marked"  # once per track
    await socket.disconnect()
    await live_page.disconnect()


async def test_without_liveness_recognition_alone_marks(settings: Any) -> None:
    settings.KIOSK_LIVENESS = "off"
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)

    replies = [await ask(socket, open_eyes(LIN, seed), gap_s=0.15) for seed in range(12)]

    marked = [entry["name"] for reply in replies for entry in reply["marked"]]
    assert marked == ["Lin-Manuel Miranda"]
    assert replies[-1]["liveness"] == {"mode": "off", "waiting": False}
    assert await database_sync_to_async(presences)() == [(kiosk.student.pk, "kiosk")]
    await socket.disconnect()
