"""A secretary draws a camera's counting line and a watched zone by clicking on its still in the admin, flips the
line's "in" side, saves, and the camera's analytics hold them (in fractions of the picture, the other settings
kept) in a form the processor runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from cameras.models import Camera
from cameras.services.frames import publish_still
from cameras.services.overlay import placeholder_jpeg
from recognition.engine.analytics import LineCrossingNode, ZoneIntrusionNode, nodes_from_config
from tests.cameras.editor_support import click_at, open_editor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.browser import wait_until

pytestmark = [pytest.mark.browser, committing_db]

CORNERS = [(0.6, 0.2), (0.9, 0.25), (0.85, 0.8), (0.62, 0.75)]


def typed_settings(page: Any) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(page.locator("textarea[name=analytics]").input_value())
    return settings


def normalised_centre(page: Any, selector: str) -> tuple[float, float]:
    """Where the element's centre is on the overlay, in fractions of the picture."""
    centre: list[float] = page.evaluate(
        """(selector) => {
            const svg = document.querySelector(".analytics-editor-overlay").getBoundingClientRect();
            const box = document.querySelector(selector).getBoundingClientRect();
            return [(box.x + box.width / 2 - svg.x) / svg.width, (box.y + box.height / 2 - svg.y) / svg.height];
        }""",
        selector,
    )
    return centre[0], centre[1]


def test_a_line_and_a_zone_drawn_on_the_still_are_saved(live_server: Any, page: Any) -> None:
    camera = CameraFactory(analytics={"people_count": {"enabled": False}})
    publish_still(camera.pk, placeholder_jpeg("Sala 1", 640, 480))
    overlay = open_editor(page, live_server.url, camera)
    stage = page.locator(".analytics-editor-stage")
    expect(stage).not_to_have_class("analytics-editor-stage no-picture")
    wait_until(page, "document.querySelector('.analytics-editor-picture').naturalWidth === 640")
    box = stage.bounding_box()
    assert box["height"] / box["width"] == pytest.approx(480 / 640, abs=0.01)  # the stage has the picture's shape

    page.click("[data-action=draw-line]")
    click_at(overlay, 0.3, 0.1)
    click_at(overlay, 0.3, 0.9)
    line = typed_settings(page)["line"]
    assert line["in_side"] == "left"
    assert line["a"] == pytest.approx([0.3, 0.1], abs=0.005) and line["b"] == pytest.approx([0.3, 0.9], abs=0.005)
    page.click(".analytics-editor-items [data-kind=line] [data-item-action=flip]")
    assert typed_settings(page)["line"]["in_side"] == "right"
    # The arrow's "in" label is on the side the processor counts as in.
    node = LineCrossingNode(tuple(line["a"]), tuple(line["b"]), "right")
    assert node.side_of(normalised_centre(page, ".analytics-editor-overlay .in-label")) == "right"

    page.click("[data-action=add-zone]")
    for x, y in CORNERS:
        click_at(overlay, x, y)
    click_at(overlay, *CORNERS[0])  # closes the zone
    zone = typed_settings(page)["zones"][0]
    assert (zone["id"], zone["schedule"], zone["concerns"]) == ("zone-1", "outside_lessons", "unknown")
    expect(page.locator(".analytics-editor-overlay .zone[data-zone-id=zone-1]")).to_have_count(1)
    expect(page.locator(".analytics-editor-warnings li")).to_have_count(0)

    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()

    analytics = Camera.objects.get(pk=camera.pk).analytics
    assert analytics["people_count"] == {"enabled": False}
    assert analytics["line"]["in_side"] == "right"
    points = [analytics["line"]["a"], analytics["line"]["b"], *analytics["zones"][0]["points"]]
    assert all(0 <= coordinate <= 1 and round(coordinate, 3) == coordinate for p in points for coordinate in p)
    drawn = [coordinate for corner in analytics["zones"][0]["points"] for coordinate in corner]
    assert drawn == pytest.approx([coordinate for corner in CORNERS for coordinate in corner], abs=0.005)
    nodes = nodes_from_config(analytics)
    assert [type(n) for n in nodes] == [LineCrossingNode, ZoneIntrusionNode]
