"""Portraits at a kiosk's size (640 px at most), with their face box, for the liveness tests."""

from __future__ import annotations

from functools import cache

import cv2
import face_recognition
import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceBox, load_image
from tests.support.images import fixture_bytes

#: The portraits whose generated closed eyes the landmarks see as closed (obama2's stay too open to tell).
BLINKING = ("lin-manuel-miranda.png", "obama.jpg", "biden.jpg", "alex-lacamoire.png")


@cache
def kiosk_portrait(name: str) -> tuple[NDArray[np.uint8], FaceBox]:
    image = load_image(fixture_bytes(name))
    height, width = image.shape[:2]
    scale = 640 / max(height, width)
    if scale < 1:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    top, right, bottom, left = face_recognition.face_locations(image)[0]
    image.flags.writeable = False
    return image, FaceBox(top=top, right=right, bottom=bottom, left=left)
