"""Lines, zones and the analytics settings of a camera are checked before use: a polygon must be simple, inside
the frame and have an area, a line needs two distinct points, and a wrong setting is refused with a message that
names it."""

from __future__ import annotations

from typing import Any

import pytest

from recognition.engine import (
    LineCrossingNode,
    PeopleCountNode,
    ZoneIntrusionNode,
    nodes_from_config,
    validate_line,
    validate_polygon,
)

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


def test_a_simple_polygon_is_accepted() -> None:
    validate_polygon(SQUARE)
    validate_polygon([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # the frame's edges are inside it
    validate_polygon([[0.1, 0.1], [0.9, 0.1], [0.9, 0.5], [0.5, 0.5], [0.5, 0.9], [0.1, 0.9]])  # concave


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0.1, 0.1], [0.4, 0.4], [0.4, 0.1], [0.1, 0.4]], "crosses itself"),  # a bowtie
        ([[0.1, 0.1], [0.4, 0.4]], "at least 3 points"),
        ([[0.1, 0.1], [1.2, 0.1], [0.4, 0.4]], "within the frame"),
        ([[0.1, 0.1], [0.4, -0.01], [0.4, 0.4]], "within the frame"),
        ([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]], "fold back"),  # all on one line
        ([[0.1, 0.1], [0.3, 0.1], [0.2, 0.1], [0.2, 0.3]], "fold back"),  # a spike along an edge
        ([[0.1, 0.1], [0.4, 0.1], [0.4, 0.1], [0.1, 0.4]], "repeats a point"),
        ([[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.3, 0.1], [0.1, 0.5]], "crosses itself"),  # a corner on an edge
        ([[0.1, 0.1], [0.4, 0.1], [float("nan"), 0.4]], "within the frame"),
        ([[0.1, 0.1], [0.4, 0.1], [0.4]], r"polygon\[2\] must be a point"),
        ([[0.1, 0.1], [0.4, 0.1], [True, 0.4]], r"polygon\[2\] must be a point"),
        ("0.1,0.1", "list of points"),
    ],
)
def test_a_bad_polygon_is_refused_saying_why(points: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_polygon(points)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0.2, 0.5], [0.2, 0.5]], "must differ"),
        ([[0.2, 0.5]], "exactly 2 points"),
        ([[0.2, 0.5], [0.8, 0.5], [0.8, 0.9]], "exactly 2 points"),
        ([[0.2, 0.5], [1.5, 0.5]], "within the frame"),
    ],
)
def test_a_bad_line_is_refused_saying_why(points: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_line(points)
    validate_line([[0.2, 0.5], [0.8, 0.5]])


def test_a_full_configuration_builds_its_nodes_in_order() -> None:
    config = {
        "people_count": {"enabled": True, "trend_window_s": 30},
        "line": {"a": [0.1, 0.5], "b": [0.9, 0.5], "in_side": "left"},
        "zones": [
            {"id": "lab", "points": SQUARE, "schedule": "outside_lessons", "concerns": "unknown"},
            {
                "id": "store",
                "points": [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9]],
                "schedule": [{"weekday": 0, "start": "18:00", "end": "07:00"}],
                "concerns": "everyone",
            },
        ],
        "zone_min_frames": 4,
    }

    people, line, zones = nodes_from_config(config)

    assert isinstance(people, PeopleCountNode) and people.window_s == 30
    assert isinstance(line, LineCrossingNode) and (line.a, line.b, line.in_side) == ((0.1, 0.5), (0.9, 0.5), "left")
    assert isinstance(zones, ZoneIntrusionNode) and zones.min_frames == 4
    assert [zone.zone_id for zone in zones.zones] == ["lab", "store"]
    assert zones.zones[1].concerns == "everyone"


def test_the_people_count_is_on_unless_disabled() -> None:
    assert [node.node_type for node in nodes_from_config({})] == ["people_count"]
    assert nodes_from_config({"people_count": {"enabled": False}}) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"zones": [{"id": "lab", "points": [[0.1, 0.1], [0.4, 0.4], [0.4, 0.1], [0.1, 0.4]]}]}, r"zones\[0\]\.points"),
        ({"zones": [{"id": "lab", "points": [[0.1, 0.1], [0.4, 0.4]]}]}, r"zones\[0\]\.points needs at least 3"),
        ({"zones": [{"points": SQUARE}]}, r"zones\[0\]\.id"),
        ({"zones": [{"id": "lab", "points": SQUARE}, {"id": "lab", "points": SQUARE}]}, r"zones\[1\]\.id 'lab'"),
        ({"zones": [{"id": "lab", "points": SQUARE, "concerns": "students"}]}, r"zones\[0\]\.concerns"),
        ({"zones": [{"id": "lab", "points": SQUARE, "schedule": "nights"}]}, r"zones\[0\]\.schedule"),
        ({"zones": [{"id": "lab", "points": SQUARE, "schedule": []}]}, r"zones\[0\]\.schedule"),
        (
            {
                "zones": [
                    {"id": "lab", "points": SQUARE, "schedule": [{"weekday": 7, "start": "18:00", "end": "19:00"}]}
                ]
            },
            r"zones\[0\]\.schedule\[0\]\.weekday",
        ),
        (
            {"zones": [{"id": "lab", "points": SQUARE, "schedule": [{"weekday": 1, "start": "6pm", "end": "19:00"}]}]},
            r"zones\[0\]\.schedule\[0\]\.start",
        ),
        (
            {
                "zones": [
                    {"id": "lab", "points": SQUARE, "schedule": [{"weekday": 1, "start": "18:00", "end": "18:00"}]}
                ]
            },
            r"zones\[0\]\.schedule\[0\]: start and end must differ",
        ),
        ({"zones": {"id": "lab"}}, "zones must be a list"),
        ({"zone_min_frames": 0, "zones": []}, "zone_min_frames"),
        ({"line": {"a": [0.2, 0.5], "b": [0.2, 0.5], "in_side": "left"}}, "must differ"),
        ({"line": {"a": [0.2, 0.5], "b": [0.8, 0.5], "in_side": "up"}}, "line.in_side"),
        ({"line": {"a": [0.2, 0.5], "in_side": "left"}}, "line.b is required"),
        ({"line": {"a": [0.2, 1.5], "b": [0.8, 0.5], "in_side": "left"}}, "line.a must lie within the frame"),
        ({"people_count": {"trend_window_s": 0}}, "people_count.trend_window_s must be positive"),
        ({"people_count": {"enabled": "yes"}}, "people_count.enabled"),
        ({"people_count": {"window": 60}}, "people_count: unknown setting"),
        ({"lines": []}, "analytics: unknown setting"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nodes_from_config(config)


def test_a_zone_id_longer_than_forty_characters_is_refused() -> None:
    square = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]

    with pytest.raises(ValueError, match=r"zones\[0\]\.id must be at most 40 characters"):
        nodes_from_config({"zones": [{"id": "x" * 41, "points": square}]})
