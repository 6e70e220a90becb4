"""Helpers of the analytics editor's browser tests (the admin, served by the `live_server` fixture)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from cameras.models import Camera
from tests.factories import PASSWORD, SecretaryFactory


def open_editor(page: Any, server: str, camera: Camera) -> Any:
    """Log a secretary in on the camera's change page; the editor's overlay once the page is there."""
    secretary = SecretaryFactory()
    # The page's live view is an endless MJPEG stream, which the test's WSGI server would never finish sending.
    page.route("**/live.mjpeg", lambda route: route.abort())
    page.goto(f"{server}/admin/login/?next=/admin/cameras/camera/{camera.pk}/change/")
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    overlay = page.locator(".analytics-editor-overlay")
    expect(overlay).to_be_visible()
    return overlay


def click_at(overlay: Any, x: float, y: float) -> None:
    """Click the overlay at normalised coordinates (fractions of the picture)."""
    box = overlay.bounding_box()
    overlay.click(position={"x": x * box["width"], "y": y * box["height"]})
