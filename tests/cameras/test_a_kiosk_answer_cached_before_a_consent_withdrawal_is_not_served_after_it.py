"""The kiosk answers an identical frame from its cache, names included. Once the student's consent is withdrawn
(which rebuilds the matcher's index), the same frame is analysed again, and the face in view, whose identity was
decided against the old index, is decided again: it no longer names the student."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from school.services.consent import withdraw_consent
from tests.cameras.kiosk_frames import open_eyes
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


def named(reply: dict[str, Any], student_id: int) -> bool:
    return any(face["student_id"] == student_id for face in reply["faces"])


async def test_the_same_frame_after_a_withdrawal_is_analysed_again_and_names_nobody(settings: Any) -> None:
    settings.KIOSK_LIVENESS = "off"
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)
    frame = open_eyes(LIN, 0)
    replies = [await ask(socket, open_eyes(LIN, seed), gap_s=0.15) for seed in range(1, 12)]
    assert any(named(reply, kiosk.student.pk) for reply in replies), [reply["faces"] for reply in replies]
    first = await ask(socket, frame, gap_s=0.15)
    again = await ask(socket, frame, gap_s=0.15)
    assert named(first, kiosk.student.pk) and again["cached"] is True and named(again, kiosk.student.pk)

    await database_sync_to_async(withdraw_consent)(
        kiosk.student, "biometric", given_by="Luz Towns-Miranda", recorded_by=None
    )
    after = await ask(socket, frame, gap_s=0.15)
    await socket.disconnect()

    assert after["cached"] is False
    assert not named(after, kiosk.student.pk)
