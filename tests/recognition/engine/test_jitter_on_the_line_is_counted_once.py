"""A face hovering on the counting line, its box centre jittering back and forth across it, is counted once, when
it finally settles on the other side; if it goes back where it came from it is not counted at all."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, LineCrossingNode, NodeTrack

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def total(path: list[float]) -> dict[str, int]:
    node = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left", margin=0.03)
    result = None
    for index, y in enumerate(path):
        frame = FrameTracks(index * 0.5, MONDAY + timedelta(seconds=index / 2), SIZE, SIZE, (face(1, 0.5, y),))
        result = node.process(frame)
    assert result is not None and result.total_crossings is not None
    return result.total_crossings


def jitter(frames: int, amplitude: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [0.5 + rng.uniform(-amplitude, amplitude) for _ in range(frames)]


def test_hovering_on_the_line_then_walking_on_counts_once() -> None:
    for seed in range(5):
        path = [0.8, 0.6, *jitter(30, 0.025, seed), 0.4, 0.2]

        assert total(path) == {"in": 1, "out": 0}


def test_hovering_on_the_line_then_turning_back_counts_nothing() -> None:
    for seed in range(5):
        path = [0.8, 0.6, *jitter(30, 0.025, seed), 0.6, 0.8]

        assert total(path) == {"in": 0, "out": 0}


def test_a_face_standing_just_past_the_line_is_not_counted_again() -> None:
    path = [0.8, 0.6, 0.4, *jitter(40, 0.025, seed=7)]

    assert total(path) == {"in": 1, "out": 0}
