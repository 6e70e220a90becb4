"""A camera that has sent no picture yet (or not for a day) can still be set up: the analytics editor says so and
draws over an empty 16:9 frame, the points still fractions of the picture."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.cameras.editor_support import open_editor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db

pytestmark = [pytest.mark.browser, committing_db]


def test_the_line_is_drawn_over_an_empty_frame(live_server: Any, page: Any) -> None:
    overlay = open_editor(page, live_server.url, CameraFactory())

    stage = page.locator(".analytics-editor-stage")
    expect(stage).to_have_class("analytics-editor-stage no-picture")
    expect(page.locator(".analytics-editor-empty")).to_be_visible()
    box = stage.bounding_box()
    assert box["height"] / box["width"] == pytest.approx(9 / 16, abs=0.01)

    page.click("[data-action=draw-line]")
    overlay.click(position={"x": 0.25 * box["width"], "y": 0.5 * box["height"]})
    overlay.click(position={"x": 0.75 * box["width"], "y": 0.5 * box["height"]})

    line = json.loads(page.locator("textarea[name=analytics]").input_value())["line"]
    assert line["a"] == pytest.approx([0.25, 0.5], abs=0.005) and line["b"] == pytest.approx([0.75, 0.5], abs=0.005)
