"""A photo held up to the kiosk never blinks: held still, moved and tilted around, or slid slowly across the view,
its landmarks jitter, but never as open-closed-open with the face otherwise unmoved."""

from __future__ import annotations

import cv2
import pytest

from recognition.engine import FaceBox
from recognition.engine.liveness import BlinkDetector, eye_sample, face_landmarks
from tests.recognition.engine.liveness_support import kiosk_portrait
from tests.support.blinks import moved_photo

PORTRAITS = ("lin-manuel-miranda.png", "obama.jpg", "obama2.jpg", "biden.jpg", "alex-lacamoire.png")


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_photo_held_still_never_blinks(name: str) -> None:
    image, box = kiosk_portrait(name)
    detector = BlinkDetector()

    assert not any(detector.observe(1, eye_sample(face_landmarks(image, box), t * 0.2)) for t in range(20))


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_photo_moved_around_never_blinks(name: str) -> None:
    image, box = kiosk_portrait(name)
    detector = BlinkDetector()

    for index, (frame, frame_box) in enumerate(moved_photo(image, box, frames=80, seed=len(name))):
        assert not detector.observe(1, eye_sample(face_landmarks(frame, frame_box), index * 0.2)), index


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_photo_slid_slowly_across_the_view_never_blinks(name: str) -> None:
    image, box = kiosk_portrait(name)
    height, width = image.shape[:2]
    detector = BlinkDetector()

    for step in range(60):  # 2 px a frame to the right, with a slow tilt: a hand moving a photo steadily
        dx = 2.0 * step - 60
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.1 * step - 3, 1.0)
        matrix[0, 2] += dx
        frame = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
        moved = FaceBox(top=box.top, right=round(box.right + dx), bottom=box.bottom, left=round(box.left + dx))
        assert not detector.observe(1, eye_sample(face_landmarks(frame, moved), step * 0.2)), step
