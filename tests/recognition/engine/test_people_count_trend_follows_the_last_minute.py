"""The people count is the number of faces tracked in the frame; its trend is rising or falling when the last
half minute's mean count differs from the half minute before by more than the dead band, and stable for a count
that only flickers. There is no trend before the counts reach back three quarters of the window."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, NodeResult, NodeTrack, PeopleCountNode

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
FPS = 2


def people(count: int) -> tuple[NodeTrack, ...]:
    return tuple(
        NodeTrack(index, FaceBox(top=10, right=20 * index + 20, bottom=30, left=20 * index)) for index in range(count)
    )


def run(counts: list[int], node: PeopleCountNode | None = None) -> list[NodeResult]:
    node = node or PeopleCountNode(window_s=60)
    return [
        node.process(FrameTracks(index / FPS, MONDAY + timedelta(seconds=index / FPS), 640, 360, people(count)))
        for index, count in enumerate(counts)
    ]


def seconds(seconds: float, count: int) -> list[int]:
    return [count] * int(seconds * FPS)


def test_the_count_is_the_faces_in_the_frame() -> None:
    results = run([0, 3, 5])

    assert [result.people_count for result in results] == [0, 3, 5]
    assert results[0].node_type == "people_count"


def test_no_trend_until_the_counts_reach_back_three_quarters_of_the_window() -> None:
    results = run(seconds(50, 2))

    assert {result.trend for result in results[: 45 * FPS]} == {None}
    assert {result.trend for result in results[45 * FPS :]} == {"stable"}


def test_people_arriving_is_rising() -> None:
    results = run(seconds(40, 2) + seconds(25, 5))

    assert results[-1].trend == "rising"


def test_people_leaving_is_falling() -> None:
    results = run(seconds(40, 6) + seconds(25, 3))

    assert results[-1].trend == "falling"


def test_a_flickering_count_is_stable() -> None:
    rng = random.Random(3)
    for base in (0, 4, 10):
        noisy = [base + rng.choice((0, 1)) for _ in range(180 * FPS)]  # a face missed now and then

        trends = {result.trend for result in run(noisy)[45 * FPS :]}

        assert trends == {"stable"}


def test_a_slow_ramp_over_the_minute_is_rising() -> None:
    ramp = [min(8, index // (10 * FPS)) for index in range(90 * FPS)]  # one more person every 10 s

    assert run(ramp)[-1].trend == "rising"


def test_the_window_is_configurable() -> None:
    node = PeopleCountNode(window_s=10)

    results = run(seconds(50, 1) + seconds(4, 4), node)

    assert results[-1].trend == "rising"
    assert run(seconds(50, 1) + seconds(4, 4))[-1].trend == "stable"  # a minute's window has hardly moved
