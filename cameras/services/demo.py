"""The demo school's camera: the fake ESP32-CAM that `make demo` serves (manage.py fake_camera)."""

from __future__ import annotations

from cameras.models import Camera
from school.models import Classroom

DEMO_CAMERA_NAME = "Câmera da sala"
DEMO_CAMERA_URL = "http://127.0.0.1:8081/stream"
DEMO_VIDEO = "tests/fixtures/faces/short_hamilton_clip.mp4"


def ensure_demo_camera(classroom: Classroom) -> Camera:
    """The classroom's demo camera, created once; a second run leaves an administrator's changes alone."""
    camera, _created = Camera.objects.get_or_create(
        classroom=classroom, name=DEMO_CAMERA_NAME, defaults={"stream_url": DEMO_CAMERA_URL}
    )
    return camera
