"""The camera admin's analytics field is the editor (the camera's still with the drawing tools, above the JSON,
pretty-printed) for those who may change the camera; a new camera gets the editor without a picture, and a teacher,
who may only look, sees the settings as text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db

ANALYTICS = {
    "line": {"a": [0.5, 0.0], "b": [0.5, 1.0], "in_side": "left"},
    "zones": [{"id": "lab", "points": [[0.6, 0.2], [0.95, 0.2], [0.95, 0.9]], "schedule": "always"}],
}
PRETTY = """{
  "line": {
    "a": [0.5, 0.0],
    "b": [0.5, 1.0],
    "in_side": "left"
  },
  "zones": [
    {
      "id": "lab",
      "points": [[0.6, 0.2], [0.95, 0.2], [0.95, 0.9]],
      "schedule": "always"
    }
  ]
}"""


def test_a_secretary_edits_an_existing_camera_over_its_still(client: Client) -> None:
    camera = CameraFactory(analytics=ANALYTICS)
    client.force_login(SecretaryFactory())

    page = client.get(f"/admin/cameras/camera/{camera.pk}/change/").content.decode()

    still = reverse("cameras:still", args=[camera.pk])
    assert f'data-still-url="{still}"' in page
    assert f'<img class="analytics-editor-picture" src="{still}"' in page
    assert '<svg class="analytics-editor-overlay"' in page
    assert escape(PRETTY) in page  # in the textarea, each point on one line
    assert page.index('class="analytics-editor-stage') < page.index('<textarea name="analytics"')
    assert "cameras/analytics-editor.js" in page
    assert "cameras/analytics-editor.css" in page


def test_a_new_camera_gets_the_editor_without_a_picture(client: Client) -> None:
    client.force_login(SecretaryFactory())

    page = client.get("/admin/cameras/camera/add/").content.decode()

    assert 'data-still-url=""' in page
    assert 'class="analytics-editor-stage no-picture"' in page
    assert "analytics-editor-picture" not in page.split('class="analytics-editor-stage', 1)[1].split("</div>", 1)[0]
    assert '<textarea name="analytics"' in page


def test_a_teacher_sees_the_settings_without_the_editor(client: Client) -> None:
    camera = CameraFactory(analytics=ANALYTICS)
    client.force_login(TeacherFactory(classrooms=[camera.classroom], is_staff=True))

    response = client.get(f"/admin/cameras/camera/{camera.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "analytics-editor-stage" not in page
    assert '<textarea name="analytics"' not in page
