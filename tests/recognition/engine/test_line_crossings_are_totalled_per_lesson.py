"""The line's crossings are also totalled per lesson: from zero when a new lesson begins, none outside lessons,
while the overall and per-day totals go on."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, LineCrossingNode, NodeResult, NodeTrack

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
UP = [(0.5, 0.8), (0.5, 0.6), (0.5, 0.4), (0.5, 0.2)]


def cross(node: LineCrossingNode, track_id: int, t0: float, lesson_id: int | None) -> NodeResult:
    result = None
    for index, (x, y) in enumerate(UP):
        cx, cy = round(x * SIZE), round(y * SIZE)
        track = NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))
        at = MONDAY + timedelta(seconds=t0 + index)
        result = node.process(FrameTracks(t0 + index, at, SIZE, SIZE, (track,), lesson_id=lesson_id))
    assert result is not None
    return result


def test_each_lesson_counts_from_zero_and_outside_lessons_there_is_no_lesson_total() -> None:
    node = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left")

    first = cross(node, 1, 0, lesson_id=7)
    again = cross(node, 2, 10, lesson_id=7)
    between = cross(node, 3, 20, lesson_id=None)
    second = cross(node, 4, 30, lesson_id=8)

    assert first.results["per_lesson"] == {"lesson_id": 7, "in": 1, "out": 0}
    assert again.results["per_lesson"] == {"lesson_id": 7, "in": 2, "out": 0}
    assert between.results["per_lesson"] is None
    assert second.results["per_lesson"] == {"lesson_id": 8, "in": 1, "out": 0}
    assert second.total_crossings == {"in": 4, "out": 0}
    assert second.results["per_day"] == {"2026-12-07": {"in": 4, "out": 0}}
