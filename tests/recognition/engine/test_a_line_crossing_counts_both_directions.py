"""A track whose path crosses the counting line counts once, "in" when it ends up on the line's in side and "out"
when it leaves it; going around an end of the segment counts nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, LineCrossingNode, NodeResult, NodeTrack
from recognition.engine.analytics import Side

SIZE = 1000  # a square frame: normalised coordinates are thousandths, exactly
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def walk(
    node: LineCrossingNode, path: list[tuple[float, float]], track_id: int = 1, t0: float = 0.0
) -> list[NodeResult]:
    return [
        node.process(
            FrameTracks(t0 + index * 0.5, MONDAY + timedelta(seconds=index), SIZE, SIZE, (face(track_id, x, y),))
        )
        for index, (x, y) in enumerate(path)
    ]


UP = [(0.5, 0.8), (0.5, 0.65), (0.5, 0.52), (0.5, 0.45), (0.5, 0.3), (0.5, 0.2)]
DOWN = list(reversed(UP))


def horizontal_line(in_side: Side = "left") -> LineCrossingNode:
    # From left to right on the image: its left hand side is the upper half of the frame.
    return LineCrossingNode((0.1, 0.5), (0.9, 0.5), in_side)


def test_walking_onto_the_in_side_counts_in_once() -> None:
    node = horizontal_line("left")

    results = walk(node, UP)

    assert [result.new_crossings for result in results] == [
        {"in": 0, "out": 0},
        {"in": 0, "out": 0},
        {"in": 0, "out": 0},  # 0.02 from the line: within the margin, the side is still the lower one
        {"in": 1, "out": 0},  # 0.05 above it: settled on the in side
        {"in": 0, "out": 0},
        {"in": 0, "out": 0},
    ]
    assert results[-1].total_crossings == {"in": 1, "out": 0}
    assert results[-1].node_type == "line_crossing"


def test_walking_off_the_in_side_counts_out() -> None:
    node = horizontal_line("left")

    results = walk(node, DOWN)

    assert results[-1].total_crossings == {"in": 0, "out": 1}


def test_the_in_side_can_be_the_right_hand_one() -> None:
    node = horizontal_line("right")

    walk(node, UP, track_id=1)
    results = walk(node, UP, track_id=2, t0=10.0)

    assert results[-1].total_crossings == {"in": 0, "out": 2}


def test_the_totals_add_up_over_tracks_and_per_day_and_can_be_reset() -> None:
    node = horizontal_line("left")
    walk(node, UP, track_id=1)
    walk(node, DOWN, track_id=2, t0=5.0)
    results = walk(node, UP, track_id=3, t0=10.0)

    assert results[-1].total_crossings == {"in": 2, "out": 1}
    assert results[-1].results == {"per_day": {"2026-12-07": {"in": 2, "out": 1}}, "per_lesson": None}

    node.reset_totals()
    later = node.process(FrameTracks(20.0, MONDAY + timedelta(days=1), SIZE, SIZE, ()))

    assert later.total_crossings == {"in": 0, "out": 0}
    assert later.results == {"per_day": {}, "per_lesson": None}


def test_a_path_around_the_end_of_the_segment_counts_nothing() -> None:
    node = horizontal_line("left")

    results = walk(node, [(0.95, y) for _, y in UP])

    assert results[-1].total_crossings == {"in": 0, "out": 0}


def test_one_long_step_across_the_line_counts() -> None:
    node = horizontal_line("left")

    results = walk(node, [(0.5, 0.9), (0.5, 0.1)])

    assert results[-1].new_crossings == {"in": 1, "out": 0}


def test_a_path_through_an_end_of_the_segment_counts() -> None:
    node = horizontal_line("left")

    results = walk(node, [(0.1, 0.7), (0.1, 0.5), (0.1, 0.3)])  # touches the segment exactly at its end a

    assert results[-1].total_crossings == {"in": 1, "out": 0}
