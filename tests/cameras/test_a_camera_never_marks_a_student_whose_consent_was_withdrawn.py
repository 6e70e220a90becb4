"""A camera whose matcher index was built before a student's consent was withdrawn (another process that has not
heard of the withdrawal yet) still recognises the student: the sighting it reports marks nobody and keeps nothing,
neither a log nor the face crop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from attendance.models import AttendanceLog, Presence
from attendance.services.sightings import Sighting
from cameras.mjpeg import MjpegServer
from cameras.services import processor
from cameras.services import recognition as camera_recognition
from recognition.services.index import get_matcher
from school.services.consent import withdraw_consent
from tests.cameras.conftest import ProcessorThread, School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


class Spy:
    """Calls the real function and keeps what it answered."""

    def __init__(self, function: Callable[..., Sighting]) -> None:
        self.function = function
        self.results: list[tuple[int, Sighting]] = []

    def __call__(self, **kwargs: Any) -> Sighting:
        result = self.function(**kwargs)
        self.results.append((kwargs["student"].pk, result))
        return result


def test_a_match_from_an_index_older_than_the_withdrawal_marks_nobody(
    school: School,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stale = get_matcher()
    assert school.student.pk in stale.student_ids
    withdraw_consent(school.student, "biometric", given_by="Luz Towns-Miranda", recorded_by=None)
    monkeypatch.setattr(camera_recognition, "get_matcher", lambda: stale)
    sightings = Spy(processor.record_sighting)
    monkeypatch.setattr(processor, "record_sighting", sightings)
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url)

    processor_thread(camera.pk)
    wait_until(lambda: sightings.results, 45, "the camera never recognised Lin-Manuel Miranda")  # on stage in the clip

    assert [(student_id, s.no_consent, s.presence) for student_id, s in sightings.results[:1]] == [
        (school.student.pk, True, None)
    ]
    assert not Presence.objects.exists() and not AttendanceLog.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "evidence").exists()  # no face crop kept
