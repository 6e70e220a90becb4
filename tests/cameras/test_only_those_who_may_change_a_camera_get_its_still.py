"""The analytics editor's picture: a camera's latest still, served to those who may change the camera (the
secretaries), never kept by a cache; a camera with no still yet answers 404 with the reason, and the editor draws
over an empty frame instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cameras.models import Camera
from cameras.services import frames
from cameras.services.connections import redis_client, redis_url
from cameras.services.frames import publish_still, still_key
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory, TeacherFactory
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> Iterator[Callable[[Camera, bytes], None]]:
    """publish_still, undone after the test (camera ids are reused once the tables are emptied)."""
    cameras: list[int] = []

    def publish(camera: Camera, jpeg: bytes) -> None:
        publish_still(camera.pk, jpeg)
        cameras.append(camera.pk)

    yield publish
    url = redis_url()
    if url and cameras:
        redis_client(url).delete(*(still_key(camera_id) for camera_id in cameras))
    frames._stills.clear()


def still_url(camera: Camera) -> str:
    return reverse("cameras:still", args=[camera.pk])


def test_a_secretary_gets_the_published_still(backend: str, published: Any, client: Client) -> None:
    camera = CameraFactory()
    jpeg = fixture_bytes("obama.jpg")
    published(camera, jpeg)
    client.force_login(SecretaryFactory())

    response = client.get(still_url(camera))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == jpeg


def test_a_teacher_who_only_sees_cameras_is_refused(published: Any, client: Client) -> None:
    camera = CameraFactory()
    published(camera, fixture_bytes("obama.jpg"))
    client.force_login(TeacherFactory(classrooms=[camera.classroom]))

    assert client.get(still_url(camera)).status_code == 403


def test_a_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get(still_url(CameraFactory()))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_camera_with_no_still_yet_says_so(client: Client) -> None:
    client.force_login(SecretaryFactory())

    response = client.get(still_url(CameraFactory()))

    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"].startswith("text/plain")
    with translation.override("pt-br"):
        assert response.content.decode() == gettext("No picture from this camera yet.")


def test_no_such_camera_is_a_404(client: Client) -> None:
    client.force_login(SecretaryFactory())

    assert client.get("/cameras/999999/still.jpg").status_code == 404
