"""The demo school's camera: the fake ESP32-CAM that `make demo` serves (manage.py fake_camera)."""

from __future__ import annotations

from cameras.models import Camera
from school.models import Classroom

DEMO_CAMERA_NAME = "Câmera da sala"
DEMO_CAMERA_URL = "http://127.0.0.1:8081/stream"
DEMO_VIDEO = "tests/fixtures/faces/short_hamilton_clip.mp4"
#: The monitor shows every analytics node: people in view (on by default), crossings of a line down the middle of
#: the picture, and a zone over its right half watched for strangers (their zone_intrusion alerts show live).
DEMO_ANALYTICS = {
    "line": {"a": [0.5, 0.05], "b": [0.5, 0.95], "in_side": "left"},
    "zones": [
        {
            "id": "mesa",
            "points": [[0.55, 0.1], [0.95, 0.1], [0.95, 0.9], [0.55, 0.9]],
            "schedule": "always",
            "concerns": "unknown",
        }
    ],
}


def ensure_demo_camera(classroom: Classroom) -> Camera:
    """The classroom's demo camera, created once; a second run leaves an administrator's changes alone."""
    camera, _created = Camera.objects.get_or_create(
        classroom=classroom,
        name=DEMO_CAMERA_NAME,
        defaults={"stream_url": DEMO_CAMERA_URL, "analytics": DEMO_ANALYTICS},
    )
    return camera
