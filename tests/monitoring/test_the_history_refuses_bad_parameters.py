"""GET /monitor/history refuses a window outside 1..1440 minutes or a camera that is not an id (400, with a reason
code), and a camera that does not exist (404)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(SecretaryFactory())
    return client


@pytest.mark.parametrize("minutes", ["0", "1441", "-5", "abc", "", "1.5", "15 minutes"])
def test_a_bad_window_is_refused(client: Client, minutes: str) -> None:
    response = client.get("/monitor/history", {"minutes": minutes})

    assert response.status_code == 400
    assert response.json() == {"error": "bad_minutes"}


@pytest.mark.parametrize("camera", ["", "door", "0", "-1"])
def test_a_camera_that_is_not_an_id_is_refused(client: Client, camera: str) -> None:
    response = client.get("/monitor/history", {"camera": camera})

    assert response.status_code == 400
    assert response.json() == {"error": "bad_camera"}


def test_an_unknown_camera_is_not_found(client: Client) -> None:
    response = client.get("/monitor/history", {"camera": "424242"})

    assert response.status_code == 404
    assert response.json() == {"error": "unknown_camera"}


@pytest.mark.parametrize("minutes", ["1", "1440"])
def test_the_bounds_are_accepted(client: Client, minutes: str) -> None:
    assert client.get("/monitor/history", {"minutes": minutes}).status_code == 200
