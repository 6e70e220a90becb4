"""A face the camera cannot name for a whole decision window during a lesson is announced once per track
(cameras.signals.unknown_face_seen), and the monitoring app makes it an unknown_face alert with the crop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cameras.mjpeg import MjpegServer
from monitoring.models import Alert
from tests.cameras.conftest import ProcessorThread, School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_the_strangers_in_the_clip_raise_unknown_face_alerts_with_their_crops(
    school: School,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
    settings: Any,
) -> None:
    # The clip's strangers are on screen for a second or two: a decision window of 2 recognitions (MIN_FACES=1)
    # is one they fill even on a loaded machine, where the live stream's frames are dropped more.
    settings.MIN_FACES = 1
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url)
    processor_thread(camera.pk)

    alert: Any = wait_until(
        lambda: Alert.objects.filter(type="unknown_face").first(), 90, "an unknown_face alert from the camera"
    )

    assert (alert.camera_id, alert.classroom_id, alert.severity) == (camera.pk, school.classroom.pk, "warning")
    assert alert.source_key.startswith(f"camera:{camera.pk}:track:")
    assert alert.payload["lesson_id"] == school.lesson.pk
    assert alert.snapshot.name.endswith(".jpg") and alert.snapshot.size > 500
    (detection,) = alert.detections
    assert detection["class_name"] == "face" and 0 < detection["box"]["width"] < 1
    # Once per track: every alert is a track of its own, counted once.
    assert all(count == 1 for count in Alert.objects.values_list("count", flat=True))
