"""Chamada's face-recognition engine: image loading, detection, enrollment checks and matching.

Plain Python (numpy, Pillow, OpenCV, dlib via face_recognition); nothing here imports Django, so it can be used
from views, Celery workers, management commands and benchmarks alike.
"""

from __future__ import annotations

from .detection import (
    DEFAULT_DETECTION_MAX_SIDE,
    DEFAULT_DETECTION_MODEL,
    DEFAULT_NUM_JITTERS,
    DEFAULT_UPSAMPLE,
    ENCODING_DIM,
    FaceBox,
    FaceDetector,
)
from .enrollment import DEFAULT_MIN_FACE_PX, DEFAULT_MIN_SHARPNESS, EnrollmentFace, analyse_enrollment_photo
from .errors import ImageRejected, RejectionCode
from .images import DEFAULT_MAX_PIXELS, downscale, load_image
from .matcher import (
    DEFAULT_MARGIN,
    DEFAULT_TOLERANCE,
    DEFAULT_TOP_K,
    Candidate,
    FaceMatches,
    Matcher,
    similarity_percent,
)
from .quality import sharpness

__all__ = [
    "DEFAULT_DETECTION_MAX_SIDE",
    "DEFAULT_DETECTION_MODEL",
    "DEFAULT_MARGIN",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MIN_FACE_PX",
    "DEFAULT_MIN_SHARPNESS",
    "DEFAULT_NUM_JITTERS",
    "DEFAULT_TOLERANCE",
    "DEFAULT_TOP_K",
    "DEFAULT_UPSAMPLE",
    "ENCODING_DIM",
    "Candidate",
    "EnrollmentFace",
    "FaceBox",
    "FaceDetector",
    "FaceMatches",
    "ImageRejected",
    "Matcher",
    "RejectionCode",
    "analyse_enrollment_photo",
    "downscale",
    "load_image",
    "sharpness",
    "similarity_percent",
]
