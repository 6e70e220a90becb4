"""A photo of an enrolled student held up to the kiosk is recognised, and waits for a blink that never comes: moved
around, tilted and blurred, or held still, it marks nobody."""

from __future__ import annotations

import itertools

from channels.db import database_sync_to_async

from attendance.models import Presence
from tests.cameras.kiosk_frames import open_eyes, photo_moved_around
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


async def test_a_photo_moved_around_is_named_but_never_marked() -> None:
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)
    still = [open_eyes(LIN, seed) for seed in range(10)]  # held still first: the face is recognised

    replies = [await ask(socket, frame) for frame in itertools.chain(still, photo_moved_around(LIN, 40))]

    states = {face["state"] for reply in replies for face in reply["faces"]}
    assert "blink" in states and "marked" not in states
    assert not any(reply["marked"] for reply in replies)
    assert not await database_sync_to_async(Presence.objects.exists)()
    await socket.disconnect()


async def test_the_same_frame_over_and_over_is_answered_from_the_cache_and_marks_nobody() -> None:
    kiosk = await kiosk_school()
    socket = await open_kiosk(kiosk)
    frame = open_eyes(LIN, 0)

    replies = [await ask(socket, frame) for _ in range(15)]

    assert [reply["cached"] for reply in replies] == [False] + [True] * 14
    assert not any(reply["marked"] for reply in replies)
    assert not await database_sync_to_async(Presence.objects.exists)()
    await socket.disconnect()
