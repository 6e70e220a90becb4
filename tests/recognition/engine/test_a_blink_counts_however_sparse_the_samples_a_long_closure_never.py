"""The blink rule when the kiosk's frames come seldom and unevenly (a busy server, a slow kiosk computer): a 300 ms
blink caught by one closed sample still counts with samples up to about a second apart, whereas eyes shut for
2 s never count, however the samples fall; a photo, sampled as seldom, never blinks either."""

from __future__ import annotations

import random

import pytest

from recognition.engine.liveness import BlinkDetector, EyeSample, eye_sample, face_landmarks
from tests.recognition.engine.liveness_support import kiosk_portrait
from tests.support.blinks import moved_photo

OPEN, CLOSED = 0.30, 0.20
PORTRAITS = ("lin-manuel-miranda.png", "obama.jpg", "obama2.jpg", "biden.jpg", "alex-lacamoire.png")


def sample(t: float, openness: float) -> EyeSample:
    return EyeSample(timestamp=t, openness=openness, eye_span=100.0, nose_length=50.0, nose=(320.0, 240.0))


def blinked(times: list[float], shut_from: float, shut_for: float) -> bool:
    """Whether a detector sampling eyes shut from `shut_from` for `shut_for` seconds at `times` sees a blink."""
    detector = BlinkDetector()
    seen = [detector.observe(1, sample(t, CLOSED if shut_from < t < shut_from + shut_for else OPEN)) for t in times]
    return any(seen)


@pytest.mark.parametrize(
    ("before", "after"),
    [(0.8, 0.8), (0.9, 0.9), (0.5, 1.2), (0.7, 1.1), (1.2, 0.6)],
    ids=["0.8-0.8", "0.9-0.9", "0.5-1.2", "0.7-1.1", "1.2-0.6"],
)
def test_a_blink_seen_once_between_samples_far_apart_counts(before: float, after: float) -> None:
    # Steady open eyes a sample every 0.8 s, then one sample inside a 300 ms blink, `before` s after the last open
    # one, and the next `after` s later: the reply latencies measured on a loaded machine.
    times = [0.0, 0.8, 1.6]
    closed_at = times[-1] + before
    times += [closed_at, closed_at + after, closed_at + after + 0.8]

    assert blinked(times, shut_from=closed_at - 0.1, shut_for=0.3)


@pytest.mark.parametrize("interval", [0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0])
def test_eyes_shut_for_two_seconds_never_count_at_a_steady_pace(interval: float) -> None:
    for phase in range(10):
        times = [interval * index for index in range(round(8 / interval))]
        shut_from = 2.0 + interval * (phase + 0.5) / 10

        assert not blinked(times, shut_from=shut_from, shut_for=2.0), phase


def test_eyes_shut_for_two_seconds_never_count_at_an_uneven_pace() -> None:
    rng = random.Random(14)
    for attempt in range(300):
        times = [0.0]
        while times[-1] < 8.0:
            times.append(times[-1] + rng.uniform(0.15, 1.4))
        shut_from = rng.uniform(1.5, 4.0)

        assert not blinked(times, shut_from=shut_from, shut_for=2.0), attempt


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_photo_moved_around_never_blinks_when_sampled_seldom(name: str) -> None:
    image, box = kiosk_portrait(name)
    detector = BlinkDetector()
    rng = random.Random(len(name))
    t = 0.0

    for index, (frame, frame_box) in enumerate(moved_photo(image, box, frames=60, seed=len(name) + 1)):
        t += rng.uniform(0.5, 1.2)
        assert not detector.observe(1, eye_sample(face_landmarks(frame, frame_box), t)), index
