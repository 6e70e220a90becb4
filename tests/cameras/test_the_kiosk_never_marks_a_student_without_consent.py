"""A kiosk whose matcher index predates a withdrawal of consent (another web process's) may still recognise the
student's face: it marks nobody and keeps nothing of the sighting."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from attendance.models import AttendanceLog, Presence
from cameras.services import kiosk as kiosk_service
from recognition.services.index import get_matcher
from school.services.consent import withdraw_consent
from tests.cameras.kiosk_frames import open_eyes
from tests.cameras.kiosk_support import LIN, ask, kiosk_school, open_kiosk
from tests.markers import committing_db

pytestmark = committing_db


@database_sync_to_async
def withdraw_keeping_a_stale_index(kiosk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = get_matcher()
    assert kiosk.student.pk in stale.student_ids
    withdraw_consent(kiosk.student, "biometric", given_by="Luz Towns-Miranda", recorded_by=None)
    monkeypatch.setattr(kiosk_service, "get_matcher", lambda: stale)


@database_sync_to_async
def kept() -> tuple[bool, bool]:
    return Presence.objects.exists(), AttendanceLog.objects.exists()


async def test_a_recognised_face_without_consent_is_not_marked(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.KIOSK_LIVENESS = "off"  # recognition alone would mark
    kiosk = await kiosk_school()
    await withdraw_keeping_a_stale_index(kiosk, monkeypatch)
    socket = await open_kiosk(kiosk)

    replies = [await ask(socket, open_eyes(LIN, seed), gap_s=0.15) for seed in range(12)]
    await socket.disconnect()

    recognised = [face for reply in replies for face in reply["faces"] if face["student_id"] == kiosk.student.pk]
    assert recognised, [reply["faces"] for reply in replies]  # the stale index did match the face
    assert all(reply["type"] == "detection_results" and reply["marked"] == [] for reply in replies)
    assert await kept() == (False, False)
