"""A face that passes through a zone for fewer than min_frames frames is no intrusion, and once a face that did
intrude leaves, the zone counts nobody inside it any more."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, NodeTrack, Zone, ZoneIntrusionNode

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
# An L-shaped zone: its notch (around (0.75, 0.75)) is outside it, inside its bounding box.
HALL = Zone("hall", ((0.1, 0.1), (0.9, 0.1), (0.9, 0.5), (0.5, 0.5), (0.5, 0.9), (0.1, 0.9)))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def run(path: list[tuple[float, float]]) -> list[tuple[int, dict[str, int]]]:
    node = ZoneIntrusionNode([HALL], min_frames=3)
    results = []
    for index, (x, y) in enumerate(path):
        result = node.process(FrameTracks(index * 0.5, MONDAY + timedelta(seconds=index), SIZE, SIZE, (face(1, x, y),)))
        results.append((len(result.new_intrusions), result.results["inside"]))
    return results


def test_passing_through_quickly_is_no_intrusion() -> None:
    path = [(0.95, 0.3), (0.7, 0.3), (0.6, 0.3), (0.95, 0.3), (0.95, 0.6)]

    assert [new for new, _ in run(path)] == [0, 0, 0, 0, 0]


def test_the_notch_of_a_concave_zone_is_outside_it() -> None:
    path = [(0.75, 0.75)] * 5

    assert run(path)[-1] == (0, {"hall": 0})


def test_after_leaving_nobody_is_inside() -> None:
    path = [(0.3, 0.3)] * 3 + [(0.95, 0.95)]

    assert run(path)[2:] == [(1, {"hall": 1}), (0, {"hall": 0})]
