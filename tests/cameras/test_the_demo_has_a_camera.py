from __future__ import annotations

import pytest

from cameras.models import Camera
from cameras.services.demo import DEMO_CAMERA_URL, ensure_demo_camera
from recognition.engine.analytics import nodes_from_config
from tests.factories import ClassroomFactory

pytestmark = pytest.mark.django_db


def test_the_demo_camera_points_at_the_fake_camera_and_is_made_once() -> None:
    classroom = ClassroomFactory()

    camera = ensure_demo_camera(classroom)
    Camera.objects.filter(pk=camera.pk).update(sample_fps=1.0)  # an administrator's change
    again = ensure_demo_camera(classroom)

    assert again.pk == camera.pk and Camera.objects.count() == 1
    assert (again.name, again.stream_url, again.enabled) == ("Câmera da sala", DEMO_CAMERA_URL, True)
    assert again.sample_fps == 1.0


def test_the_demo_camera_runs_every_analytics_node() -> None:
    camera = ensure_demo_camera(ClassroomFactory())

    camera.full_clean()
    assert [node.node_type for node in nodes_from_config(camera.analytics)] == [
        "people_count",
        "line_crossing",
        "zone_intrusion",
    ]
