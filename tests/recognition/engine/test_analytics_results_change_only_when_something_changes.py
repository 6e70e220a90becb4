"""A node's result is marked changed on its first frame, when its lasting state differs from the previous
frame's, and when it has new events; the same scene frame after frame is unchanged, so nothing is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import (
    FaceBox,
    FrameTracks,
    LineCrossingNode,
    NodeTrack,
    PeopleCountNode,
    Zone,
    ZoneIntrusionNode,
)

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def frame(index: int, *tracks: NodeTrack) -> FrameTracks:
    return FrameTracks(index * 0.5, MONDAY + timedelta(seconds=index / 2), SIZE, SIZE, tracks)


def test_the_people_count_changes_with_the_count() -> None:
    node = PeopleCountNode()
    counts = [1, 1, 1, 2, 2, 1]

    changed = [
        node.process(frame(index, *[face(n, 0.1 * n, 0.5) for n in range(count)])).changed
        for index, count in enumerate(counts)
    ]

    assert changed == [True, False, False, True, False, True]


def test_a_line_changes_on_a_crossing_only() -> None:
    node = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left")
    ys = [0.8, 0.7, 0.6, 0.3, 0.2, 0.2]

    results = [node.process(frame(index, face(1, 0.5, y))) for index, y in enumerate(ys)]

    assert [result.changed for result in results] == [True, False, False, True, False, False]


def test_zones_change_on_an_intrusion_and_when_someone_leaves() -> None:
    node = ZoneIntrusionNode([Zone("lab", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)))], min_frames=2)
    points = [(0.2, 0.2), (0.2, 0.2), (0.2, 0.2), (0.8, 0.8), (0.8, 0.8)]

    results = [node.process(frame(index, face(1, *point))) for index, point in enumerate(points)]

    assert [result.changed for result in results] == [True, True, False, True, False]  # first; intruded; left


def test_a_result_serialises_for_the_monitor_message() -> None:
    node = ZoneIntrusionNode([Zone("lab", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)))], min_frames=1)

    message = node.process(frame(0, face(7, 0.2, 0.2))).to_dict()

    assert message["node_id"] == "zones" and message["node_type"] == "zone_intrusion"
    assert message["new_intrusions"] == [
        {
            "track_id": 7,
            "zone_id": "lab",
            "box": {"top": 180, "right": 220, "bottom": 220, "left": 180},
            "centre": [0.2, 0.2],
            "student_id": None,
            "timestamp": 0.0,
            "at": "2026-12-07T10:00:00-03:00",
        }
    ]
    assert message["active_zones"] == ["lab"] and message["changed"] is True
