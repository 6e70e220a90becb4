"""A zone whose outline crosses itself is flagged by the analytics editor as it is drawn, but only the server
decides: saving it is refused with the admin's error naming the zone's points, nothing is saved, and the page
comes back with the refused drawing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from cameras.models import Camera
from cameras.services.frames import publish_still
from cameras.services.overlay import placeholder_jpeg
from tests.cameras.editor_support import click_at, open_editor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.browser import wait_until

pytestmark = [pytest.mark.browser, committing_db]

BOW_TIE = [(0.2, 0.2), (0.8, 0.8), (0.8, 0.2), (0.2, 0.8)]  # its first and third edges cross


def test_a_drawn_bow_tie_is_flagged_then_refused_on_save(live_server: Any, page: Any) -> None:
    camera = CameraFactory(name="Entrada")
    publish_still(camera.pk, placeholder_jpeg("Entrada"))
    overlay = open_editor(page, live_server.url, camera)
    wait_until(page, "document.querySelector('.analytics-editor-picture').complete")

    page.click("[data-action=add-zone]")
    for x, y in BOW_TIE:
        click_at(overlay, x, y)
    expect(page.locator(".analytics-editor-overlay .pending.crossing")).to_have_count(1)  # flagged while drawing
    page.click("[data-action=finish-zone]")
    expect(page.locator(".analytics-editor-overlay .zone.crossing[data-zone-id=zone-1]")).to_have_count(1)
    expect(page.locator(".analytics-editor-warnings li")).to_have_count(1)
    expect(page.locator(".analytics-editor-warnings li")).to_contain_text("zone-1")
    assert len(json.loads(page.locator("textarea[name=analytics]").input_value())["zones"][0]["points"]) == 4

    page.click("input[name=_save]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-analytics .errorlist")).to_contain_text("zones[0].points crosses itself")
    expect(page.locator(".analytics-editor-overlay .zone.crossing[data-zone-id=zone-1]")).to_have_count(1)
    assert Camera.objects.get(pk=camera.pk).analytics == {}
