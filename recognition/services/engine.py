"""The engine objects this process shares, built from settings."""

from __future__ import annotations

import logging
from functools import cache
from typing import Literal

from django.conf import settings

from recognition.engine import FaceDetector
from recognition.engine.detection import FaceEncoder

logger = logging.getLogger(__name__)


@cache
def get_detector() -> FaceDetector:
    # One per process: dlib's models load once (about a second) and are then reused by every request and task.
    model: Literal["hog", "cnn"] = "cnn" if settings.FACE_DETECTION_MODEL == "cnn" else "hog"
    return FaceDetector(model=model, max_side=settings.FACE_DETECTION_MAX_SIDE, encoder=face_encoder())


@cache
def face_encoder() -> FaceEncoder | None:
    """The fast encoder (FACE_ENCODER=fast): dlib's network on onnxruntime, converted once into VAR_DIR/models.
    None means dlib's own, when asked for or when the fast one cannot be built (said once in the log)."""
    if settings.FACE_ENCODER != "fast":
        return None
    try:
        from recognition.engine.fast_encoder import FastEncoder

        return FastEncoder(cache_dir=settings.VAR_DIR / "models", threads=settings.FACE_ENCODER_THREADS)
    except Exception as error:  # a corrupt cache is rebuilt by FastEncoder; this is an unknown model or runtime
        logger.warning("the fast face encoder could not be built (%s); using dlib's", error)
        return None
