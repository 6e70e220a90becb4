"""The engine objects this process shares, built from settings."""

from __future__ import annotations

from functools import cache
from typing import Literal

from django.conf import settings

from recognition.engine import FaceDetector


@cache
def get_detector() -> FaceDetector:
    # One per process: dlib's models load once (about a second) and are then reused by every request and task.
    model: Literal["hog", "cnn"] = "cnn" if settings.FACE_DETECTION_MODEL == "cnn" else "hog"
    return FaceDetector(model=model, max_side=settings.FACE_DETECTION_MAX_SIDE)
