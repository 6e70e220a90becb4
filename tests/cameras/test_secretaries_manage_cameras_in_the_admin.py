from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cameras.models import Camera
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/cameras/camera/"


@pytest.fixture
def secretary_client(client: Any) -> Any:
    client.force_login(SecretaryFactory())
    return client


def test_the_list_shows_each_cameras_live_state(secretary_client: Any) -> None:
    CameraFactory(name="Entrada", state=Camera.State.RECONNECTING, last_error="connection refused")

    response = secretary_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Entrada" in page and "connection refused" in page
    assert '<span class="badge state-reconnecting">' in page  # coloured by static/chamada-admin.css


def test_the_disable_action_disables_at_once_and_enable_brings_them_back(secretary_client: Any) -> None:
    first, second = CameraFactory(), CameraFactory()
    selected = {"_selected_action": [first.pk, second.pk]}

    secretary_client.post(CHANGELIST, {**selected, "action": "disable_cameras"})
    disabled = list(Camera.objects.values_list("enabled", "state"))
    secretary_client.post(CHANGELIST, {**selected, "action": "enable_cameras"})

    assert disabled == [(False, Camera.State.DISABLED)] * 2
    assert list(Camera.objects.values_list("enabled", "state")) == [(True, Camera.State.IDLE)] * 2


def test_saving_the_configuration_leaves_the_live_status_alone(secretary_client: Any) -> None:
    seen = timezone.now()
    camera = CameraFactory(state=Camera.State.RUNNING, last_frame_at=seen, measured_fps=9.5)

    response = secretary_client.post(
        f"{CHANGELIST}{camera.pk}/change/",
        {
            "name": "Fundo da sala",
            "classroom": camera.classroom_id,
            "stream_url": "rtsp://10.0.0.7/stream",
            "enabled": "on",
            "sample_fps": "2",
            "tolerance": "",
            "dedup_seconds": "60",
            # Status fields are read-only: posting them changes nothing.
            "state": Camera.State.ERROR,
            "measured_fps": "1",
        },
    )

    assert response.status_code == 302
    camera.refresh_from_db()
    assert (camera.name, camera.stream_url) == ("Fundo da sala", "rtsp://10.0.0.7/stream")
    assert (camera.state, camera.last_frame_at, camera.measured_fps) == (Camera.State.RUNNING, seen, 9.5)
