"""Open, closed, open: a face that blinks while looking at the kiosk is live; until it reopens its eyes, it is
not yet. Measured on real portraits whose eyes are closed by tests/support/blinks.py."""

from __future__ import annotations

import pytest

from recognition.engine.liveness import BlinkDetector, eye_sample, face_landmarks
from tests.recognition.engine.liveness_support import BLINKING, kiosk_portrait
from tests.support.blinks import close_eyes


@pytest.mark.parametrize("name", BLINKING)
def test_a_blink_is_seen_when_the_eyes_reopen(name: str) -> None:
    image, box = kiosk_portrait(name)
    closed = close_eyes(image, face_landmarks(image, box))
    detector = BlinkDetector()

    seen = [
        detector.observe(1, eye_sample(face_landmarks(frame, box), index * 0.2))
        for index, frame in enumerate([image, image, image, closed, image])
    ]

    assert seen == [False, False, False, False, True]
    assert detector.blinked(1) and not detector.blinked(2)


@pytest.mark.parametrize("name", BLINKING)
def test_closed_eyes_measure_well_below_open_ones(name: str) -> None:
    image, box = kiosk_portrait(name)
    open_eyes = eye_sample(face_landmarks(image, box), 0.0).openness
    closed_eyes = eye_sample(face_landmarks(close_eyes(image, face_landmarks(image, box)), box), 0.0).openness

    assert closed_eyes <= 0.8 * open_eyes
