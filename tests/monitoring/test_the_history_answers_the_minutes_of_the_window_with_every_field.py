"""GET /monitor/history answers each camera's per-minute rows that started in the last `minutes` (15 unless asked),
oldest first, with every field of the contract; `camera` narrows it to one camera."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import Camera, CameraMinute
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "minute",
    "frames",
    "analysed",
    "fps",
    "processing_p50",
    "processing_p95",
    "faces",
    "known",
    "unknown",
    "people_max",
    "crossings_in",
    "crossings_out",
    "errors",
}


def minute(camera: Camera, minutes_ago: int, **fields: Any) -> CameraMinute:
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=minutes_ago)
    return CameraMinute.objects.create(camera=camera, minute=start, **fields)


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(SecretaryFactory())
    return client


def test_the_default_window_is_the_last_15_minutes_oldest_first(client: Client) -> None:
    door, lab = CameraFactory(), CameraFactory()
    minute(door, 40)
    minute(door, 20)
    newer = minute(door, 1, fps=15.0)
    older = minute(door, 10, fps=14.0)
    minute(lab, 3)

    body = client.get("/monitor/history").json()

    assert set(body["cameras"]) == {str(door.pk), str(lab.pk)}
    assert [row["minute"] for row in body["cameras"][str(door.pk)]] == [
        older.minute.isoformat(),
        newer.minute.isoformat(),
    ]
    assert [row["fps"] for row in body["cameras"][str(door.pk)]] == [14.0, 15.0]


def test_every_field_comes_with_its_value(client: Client) -> None:
    camera = CameraFactory()
    row = minute(
        camera,
        2,
        frames=900,
        analysed=120,
        fps=15.0,
        processing_p50=0.04,
        processing_p95=0.07,
        faces=120,
        known=80,
        unknown=40,
        people_max=2,
        crossings_in=1,
        crossings_out=3,
        errors=1,
    )

    (answer,) = client.get("/monitor/history?minutes=5").json()["cameras"][str(camera.pk)]

    assert set(answer) == FIELDS
    assert answer == {
        "minute": row.minute.isoformat(),
        "frames": 900,
        "analysed": 120,
        "fps": 15.0,
        "processing_p50": 0.04,
        "processing_p95": 0.07,
        "faces": 120,
        "known": 80,
        "unknown": 40,
        "people_max": 2,
        "crossings_in": 1,
        "crossings_out": 3,
        "errors": 1,
    }


def test_a_longer_window_and_one_camera(client: Client) -> None:
    door, lab = CameraFactory(), CameraFactory()
    minute(door, 100, people_max=None, processing_p50=None)
    minute(door, 1000)
    minute(lab, 10)

    body = client.get(f"/monitor/history?minutes=120&camera={door.pk}").json()

    assert list(body["cameras"]) == [str(door.pk)]
    (row,) = body["cameras"][str(door.pk)]
    assert (row["people_max"], row["processing_p50"]) == (None, None)
    assert len(client.get("/monitor/history?minutes=1440").json()["cameras"][str(door.pk)]) == 2


def test_a_camera_without_minutes_has_an_empty_list(client: Client) -> None:
    camera = CameraFactory()

    assert client.get(f"/monitor/history?camera={camera.pk}").json() == {"cameras": {str(camera.pk): []}}
