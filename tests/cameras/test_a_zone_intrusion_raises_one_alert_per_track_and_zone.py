"""A face that stays inside one of a camera's watched zones is announced once per track and zone
(cameras.signals.zone_intrusion_seen), and the monitoring app makes it a zone_intrusion alert with the crop."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from monitoring.models import Alert
from tests.cameras.conftest import ProcessorThread, School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db

WHOLE_FRAME = [[0, 0], [1, 0], [1, 1], [0, 1]]


def test_the_faces_in_a_zone_covering_the_frame_raise_one_alert_per_track(
    school: School,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
) -> None:
    analytics = {"zones": [{"id": "room", "points": WHOLE_FRAME, "schedule": "always", "concerns": "everyone"}]}
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url, analytics=analytics)
    processor_thread(camera.pk)

    alert: Any = wait_until(
        lambda: Alert.objects.filter(type="zone_intrusion").first(), 90, "a zone_intrusion alert from the camera"
    )

    assert (alert.camera_id, alert.classroom_id, alert.severity) == (camera.pk, school.classroom.pk, "warning")
    assert alert.source_key.startswith(f"camera:{camera.pk}:zone:room:track:")
    assert alert.payload["zone_id"] == "room" and isinstance(alert.payload["track_id"], int)
    assert alert.snapshot.name.endswith(".jpg") and alert.snapshot.size > 500
    (detection,) = alert.detections
    assert detection["class_name"] == "face" and 0 < detection["box"]["width"] < 1
    # Once per track and zone: a few seconds of frames later, every alert is a (zone, track) of its own, and
    # counted once (the track stayed in the zone, it was not announced again).
    later = alert.first_seen + dt.timedelta(seconds=3)
    wait_until(
        lambda: Camera.objects.filter(pk=camera.pk, last_frame_at__gt=later).exists(), 30, "frames after the alert"
    )
    alerts = Alert.objects.filter(type="zone_intrusion")
    assert all(count == 1 for count in alerts.values_list("count", flat=True))
    assert max(Counter(alerts.values_list("source_key", flat=True)).values()) == 1
