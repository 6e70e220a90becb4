"""Webcam frames for the kiosk tests: a portrait as JPEG bytes, each frame a little different (a webcam never sends
the same bytes twice), with its eyes open or closed, or held up as a photo and moved around."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import cv2
import numpy as np

from recognition.engine.liveness import face_landmarks
from tests.recognition.engine.liveness_support import kiosk_portrait
from tests.support.blinks import close_eyes, moved_photo


def jpeg(rgb: np.ndarray, seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(-2, 3, size=rgb.shape, dtype=np.int16)
    noisy = np.clip(rgb.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(noisy, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return encoded.tobytes()


@cache
def _eyes(name: str) -> tuple[np.ndarray, np.ndarray]:
    image, box = kiosk_portrait(name)
    return image, close_eyes(image, face_landmarks(image, box))


def open_eyes(name: str, seed: int) -> bytes:
    return jpeg(_eyes(name)[0], seed)


def closed_eyes(name: str, seed: int) -> bytes:
    return jpeg(_eyes(name)[1], seed)


def photo_moved_around(name: str, frames: int) -> Iterator[bytes]:
    image, box = kiosk_portrait(name)
    for index, (frame, _box) in enumerate(moved_photo(image, box, frames=frames, seed=3)):
        yield jpeg(frame, index)
