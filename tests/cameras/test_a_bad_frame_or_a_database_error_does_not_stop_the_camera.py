from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError

from attendance.models import AttendanceLog, Presence, PresenceSource
from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from cameras.services import processor
from tests.cameras.conftest import ProcessorThread, School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


class FailsFirst:
    """Wraps a function so that its first call raises `error`, as a glitch would."""

    def __init__(self, function: Callable[..., Any], error: Exception) -> None:
        self.function, self.error, self.calls = function, error, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == 1:
            raise self.error
        return self.function(*args, **kwargs)


def test_the_processor_logs_the_glitch_carries_on_and_records_the_sighting_later(
    school: School,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad_frame = FailsFirst(processor.annotate, ValueError("corrupt frame"))
    database_down = FailsFirst(processor.record_sighting, OperationalError("server closed the connection"))
    monkeypatch.setattr(processor, "annotate", bad_frame)
    monkeypatch.setattr(processor, "record_sighting", database_down)
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url)

    processor_thread(camera.pk)
    presence = wait_until(lambda: Presence.objects.filter(student=school.student).first(), 45, "never recorded")

    assert bad_frame.calls > 1 and database_down.calls >= 2  # the refused sighting was retried
    assert presence.source == PresenceSource.CAMERA
    assert AttendanceLog.objects.filter(camera=camera).count() == 1
    assert Camera.objects.get(pk=camera.pk).state == Camera.State.RUNNING
