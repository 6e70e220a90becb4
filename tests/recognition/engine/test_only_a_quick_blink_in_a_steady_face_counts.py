"""The blink rule, on measured samples: closed eyes must follow a steady open gaze and reopen quickly to the same
openness, with the face otherwise where and as big as it was."""

from __future__ import annotations

import pytest

from recognition.engine.liveness import BlinkDetector, EyeSample


def sample(t: float, openness: float, span: float = 100.0, nose: tuple[float, float] = (320.0, 240.0)) -> EyeSample:
    return EyeSample(timestamp=t, openness=openness, eye_span=span, nose_length=span * 0.5, nose=nose)


def run(samples: list[EyeSample]) -> list[bool]:
    detector = BlinkDetector()
    return [detector.observe(7, s) for s in samples]


def test_a_quick_blink_after_a_steady_gaze_counts_and_stays_counted() -> None:
    seen = run([sample(0.0, 0.30), sample(0.2, 0.31), sample(0.4, 0.20), sample(0.6, 0.30), sample(0.8, 0.31)])

    assert seen == [False, False, False, True, True]


def test_eyes_closed_for_long_are_no_blink() -> None:
    samples = [sample(0.0, 0.30), sample(0.2, 0.30)] + [sample(0.4 + 0.2 * i, 0.15) for i in range(8)]

    assert not any(run([*samples, sample(2.2, 0.30)]))


def test_a_dip_without_a_steady_gaze_before_it_is_no_blink() -> None:
    assert not any(run([sample(0.0, 0.36), sample(0.2, 0.26), sample(0.4, 0.18), sample(0.6, 0.30)]))


def test_a_single_open_sample_before_the_dip_is_not_enough() -> None:
    assert not any(run([sample(0.0, 0.30), sample(0.2, 0.18), sample(0.4, 0.30)]))


def test_eyes_that_reopen_much_wider_or_narrower_are_no_blink() -> None:
    assert not any(run([sample(0.0, 0.30), sample(0.2, 0.30), sample(0.4, 0.20), sample(0.6, 0.38)]))


@pytest.mark.parametrize(
    "moved", [{"span": 112.0}, {"span": 88.0}, {"nose": (340.0, 240.0)}], ids=["closer", "farther", "aside"]
)
def test_a_face_that_moves_during_the_dip_is_no_blink(moved: dict) -> None:
    before = [sample(0.0, 0.30), sample(0.2, 0.30)]

    assert not any(run([*before, sample(0.4, 0.20, **moved), sample(0.6, 0.30)]))


def test_a_shallow_dip_is_no_blink() -> None:
    assert not any(run([sample(0.0, 0.30), sample(0.2, 0.30), sample(0.4, 0.25), sample(0.6, 0.30)]))


def test_tracks_are_apart_and_forgotten() -> None:
    detector = BlinkDetector()
    for index, openness in enumerate([0.30, 0.30, 0.20, 0.30]):
        detector.observe(1, sample(index * 0.2, openness))
        detector.observe(2, sample(index * 0.2, 0.30))

    assert detector.blinked(1) and not detector.blinked(2)
    detector.forget([1])
    assert not detector.blinked(1)
