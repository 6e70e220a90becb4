"""Someone who walks in through the counting line and later walks back out counts one "in" and one "out"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, LineCrossingNode, NodeTrack

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def test_in_then_out_counts_one_of_each() -> None:
    # A vertical line drawn downwards: walking from a to b, the left hand is the right half of the image.
    node = LineCrossingNode((0.5, 0.1), (0.5, 0.9), "left")
    xs = [0.2, 0.35, 0.45, 0.55, 0.7, 0.8, 0.8, 0.7, 0.55, 0.45, 0.3, 0.2]

    results = [
        node.process(FrameTracks(index * 0.5, MONDAY + timedelta(seconds=index), SIZE, SIZE, (face(1, x, 0.5),)))
        for index, x in enumerate(xs)
    ]

    crossings = [result.new_crossings for result in results if result.new_crossings != {"in": 0, "out": 0}]
    assert crossings == [{"in": 1, "out": 0}, {"in": 0, "out": 1}]
    assert results[-1].total_crossings == {"in": 1, "out": 1}
