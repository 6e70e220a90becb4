"""The analytics editor's JSON is the source of truth: typing settings in it redraws the line and zones (settings
that cannot be drawn put the tools away until fixed), and every edit made on the drawing (a dragged corner, a
deleted zone or line) rewrites the JSON, keeping the settings the drawing does not show."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.cameras.editor_support import open_editor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db

pytestmark = [pytest.mark.browser, committing_db]

SQUARE = [[0.2, 0.2], [0.5, 0.2], [0.5, 0.6], [0.2, 0.6]]
WINDOWS = [{"weekday": 0, "start": "18:00", "end": "07:00"}]
ANALYTICS = {
    "people_count": {"enabled": False},
    "line": {"a": [0.7, 0.1], "b": [0.7, 0.9], "in_side": "left", "margin": 0.05},
    "zones": [{"id": "lab", "points": SQUARE, "schedule": WINDOWS, "concerns": "everyone"}],
}


def typed_settings(page: Any) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(page.locator("textarea[name=analytics]").input_value())
    return settings


def test_typing_settings_redraws_them(live_server: Any, page: Any) -> None:
    open_editor(page, live_server.url, CameraFactory(analytics=ANALYTICS))
    expect(page.locator(".analytics-editor-overlay .zone[data-zone-id=lab]")).to_have_count(1)
    expect(page.locator(".analytics-editor-overlay .line")).to_have_count(1)

    triangle = [[0.6, 0.6], [0.9, 0.6], [0.8, 0.9]]
    typed = {"zones": [{"id": "door", "points": SQUARE}, {"id": "desk", "points": triangle}]}
    page.fill("textarea[name=analytics]", json.dumps(typed))

    expect(page.locator(".analytics-editor-overlay .zone")).to_have_count(2)
    expect(page.locator(".analytics-editor-overlay .zone[data-zone-id=desk]")).to_have_count(1)
    expect(page.locator(".analytics-editor-overlay .line")).to_have_count(0)
    expect(page.locator(".analytics-editor-items [data-kind=zone]")).to_have_count(2)


def test_a_typed_zone_that_crosses_itself_is_flagged(live_server: Any, page: Any) -> None:
    open_editor(page, live_server.url, CameraFactory())

    bow_tie = [[0.2, 0.2], [0.8, 0.8], [0.8, 0.2], [0.2, 0.8]]
    page.fill("textarea[name=analytics]", json.dumps({"zones": [{"id": "lab", "points": bow_tie}]}))

    expect(page.locator(".analytics-editor-overlay .zone.crossing[data-zone-id=lab]")).to_have_count(1)
    expect(page.locator(".analytics-editor-warnings li")).to_contain_text("lab")


def test_settings_that_cannot_be_drawn_put_the_tools_away_until_fixed(live_server: Any, page: Any) -> None:
    open_editor(page, live_server.url, CameraFactory(analytics=ANALYTICS))

    page.fill("textarea[name=analytics]", '{"zones": [')

    expect(page.locator("[data-action=draw-line]")).to_be_disabled()
    expect(page.locator("[data-action=add-zone]")).to_be_disabled()
    expect(page.locator(".analytics-editor-warnings li")).to_have_count(1)
    assert page.locator("textarea[name=analytics]").input_value() == '{"zones": ['  # the text is not overwritten

    page.fill("textarea[name=analytics]", json.dumps(ANALYTICS))
    expect(page.locator("[data-action=add-zone]")).to_be_enabled()
    expect(page.locator(".analytics-editor-warnings li")).to_have_count(0)


def test_a_dragged_corner_is_written_to_the_json(live_server: Any, page: Any) -> None:
    overlay = open_editor(page, live_server.url, CameraFactory(analytics=ANALYTICS))
    overlay.scroll_into_view_if_needed()  # the mouse moves in the viewport
    box = overlay.bounding_box()

    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.15 * box["height"], steps=5)
    page.mouse.up()

    zone = typed_settings(page)["zones"][0]
    assert zone["points"][0] == pytest.approx([0.1, 0.15], abs=0.005)
    assert zone["points"][1:] == SQUARE[1:]
    assert (zone["schedule"], zone["concerns"]) == (WINDOWS, "everyone")  # what the drawing does not show stays


def test_deleting_the_zone_and_the_line_keeps_the_other_settings(live_server: Any, page: Any) -> None:
    open_editor(page, live_server.url, CameraFactory(analytics=ANALYTICS))

    page.click(".analytics-editor-items [data-kind=zone] [data-item-action=delete]")
    assert "zones" not in typed_settings(page)
    page.click(".analytics-editor-items [data-kind=line] [data-item-action=delete]")

    assert typed_settings(page) == {"people_count": {"enabled": False}}
    expect(page.locator(".analytics-editor-overlay .zone, .analytics-editor-overlay .line")).to_have_count(0)
