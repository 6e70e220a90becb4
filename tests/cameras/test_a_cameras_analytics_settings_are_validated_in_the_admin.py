"""The admin refuses analytics settings the processor could not run (here a zone whose outline crosses itself),
naming what is wrong, and saves the settings it can run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cameras.models import Camera
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db

BOW_TIE = [[0.2, 0.2], [0.8, 0.8], [0.8, 0.2], [0.2, 0.8]]  # its first and third edges cross
SQUARE = [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8]]


@pytest.fixture
def secretary_client(client: Any) -> Any:
    client.force_login(SecretaryFactory())
    return client


def save(client: Any, camera: Camera, analytics: dict[str, Any]) -> Any:
    return client.post(
        f"/admin/cameras/camera/{camera.pk}/change/",
        {
            "name": "Laboratório",
            "classroom": camera.classroom_id,
            "stream_url": camera.stream_url,
            "enabled": "on",
            "sample_fps": "2",
            "tolerance": "",
            "dedup_seconds": "60",
            "analytics": json.dumps(analytics),
        },
    )


def test_a_zone_that_crosses_itself_is_refused_with_the_reason_and_nothing_is_saved(secretary_client: Any) -> None:
    camera = CameraFactory(name="Entrada")

    response = save(secretary_client, camera, {"zones": [{"id": "lab", "points": BOW_TIE}]})

    assert response.status_code == 200
    assert "zones[0].points crosses itself" in response.content.decode()
    camera.refresh_from_db()
    assert (camera.name, camera.analytics) == ("Entrada", {})


def test_settings_the_processor_can_run_are_saved(secretary_client: Any) -> None:
    camera = CameraFactory(name="Entrada")
    analytics = {
        "people_count": {"enabled": False},
        "line": {"a": [0.5, 0.0], "b": [0.5, 1.0], "in_side": "right"},
        "zones": [{"id": "lab", "points": SQUARE, "schedule": "outside_lessons", "concerns": "everyone"}],
    }

    response = save(secretary_client, camera, analytics)

    assert response.status_code == 302
    camera.refresh_from_db()
    assert (camera.name, camera.analytics) == ("Laboratório", analytics)
