"""At the kiosk, a student whose enrollment photos are older than ENROLLMENT_MAX_AGE_DAYS and who is recognised and
blinks leaves their face crop as an enrollment proposal, and is not enrolled by it; a student enrolled recently
leaves none. A secretary accepting the proposal in the admin adds the crop to the student's photos."""

from __future__ import annotations

import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django.utils import timezone

from attendance.models import Presence
from recognition.engine import load_image
from recognition.models import EnrollmentProposal, FacePhoto
from recognition.services.engine import get_detector
from recognition.services.freshness import is_stale
from school.models import Student
from tests.cameras.conftest import enroll
from tests.cameras.kiosk_frames import closed_eyes, open_eyes
from tests.cameras.kiosk_support import LIN, Kiosk, ask, kiosk_school, open_kiosk
from tests.factories import SecretaryFactory
from tests.markers import committing_db

pytestmark = committing_db

BIDEN = "biden.jpg"


@database_sync_to_async
def lin_photographed_long_ago_and_biden_today(kiosk: Kiosk) -> Student:
    FacePhoto.objects.filter(student=kiosk.student).update(
        created_at=timezone.now() - dt.timedelta(days=settings.ENROLLMENT_MAX_AGE_DAYS + 35)
    )
    biden = enroll(kiosk.classroom, "Joe Biden", BIDEN)
    assert is_stale(kiosk.student) and not is_stale(biden)
    return biden


async def looks_and_blinks(kiosk: Kiosk, portrait: str) -> list[str]:
    """A new face at the kiosk (a socket of its own: a track of its own) looking, then blinking; who was marked."""
    socket = await open_kiosk(kiosk)
    replies = [await ask(socket, open_eyes(portrait, seed), gap_s=0.15) for seed in range(12)]
    replies.append(await ask(socket, closed_eyes(portrait, 100)))
    replies.append(await ask(socket, open_eyes(portrait, 101)))
    await socket.disconnect()
    return [entry["name"] for reply in replies for entry in reply["marked"]]


@database_sync_to_async
def outcome() -> dict[str, Any]:
    return {
        "proposals": list(EnrollmentProposal.objects.values_list("student__full_name", "status")),
        "presences": sorted(Presence.objects.values_list("student__full_name", flat=True)),
    }


def read_crop(proposal: EnrollmentProposal) -> bytes:
    with proposal.crop.open("rb") as stored:
        return bytes(stored.read())


def accept_in_the_admin(proposal: EnrollmentProposal) -> None:
    secretary = Client(HTTP_ACCEPT_LANGUAGE="en")
    secretary.force_login(SecretaryFactory())
    response = secretary.post(
        "/admin/recognition/enrollmentproposal/", {"action": "accept", "_selected_action": [proposal.pk]}, follow=True
    )
    assert response.status_code == 200


async def test_a_stale_students_blink_proposes_their_crop_and_a_recent_ones_does_not() -> None:
    kiosk = await kiosk_school()  # Lin-Manuel Miranda, enrolled with the portrait the kiosk is shown
    biden = await lin_photographed_long_ago_and_biden_today(kiosk)
    started = timezone.now()

    assert await looks_and_blinks(kiosk, LIN) == ["Lin-Manuel Miranda"]
    assert await looks_and_blinks(kiosk, BIDEN) == ["Joe Biden"]

    assert await outcome() == {
        "proposals": [("Lin-Manuel Miranda", EnrollmentProposal.Status.PENDING)],
        "presences": ["Joe Biden", "Lin-Manuel Miranda"],
    }
    proposal = await database_sync_to_async(EnrollmentProposal.objects.get)()
    assert proposal.student_id == kiosk.student.pk and proposal.where == kiosk.classroom.code
    assert proposal.distance <= settings.FRESH_PHOTO_MAX_DISTANCE
    assert proposal.margin >= settings.FRESH_PHOTO_MIN_MARGIN
    assert started <= proposal.seen_at <= timezone.now()
    crop = await database_sync_to_async(read_crop)(proposal)
    assert crop[:3] == b"\xff\xd8\xff" and len(get_detector().detect(load_image(crop))) == 1  # a JPEG of one face
    photos = database_sync_to_async(lambda student: FacePhoto.objects.filter(student=student).count())
    assert await photos(kiosk.student) == 1 and await photos(biden) == 1  # nothing enrolled by itself

    await database_sync_to_async(accept_in_the_admin)(proposal)

    await database_sync_to_async(proposal.refresh_from_db)()
    assert proposal.status == EnrollmentProposal.Status.ACCEPTED and proposal.face_photo_id is not None
    assert await photos(kiosk.student) == 2
    assert not await database_sync_to_async(is_stale)(kiosk.student)
