"""Chamada's face-recognition engine: image loading, detection, enrollment checks, matching and analytics.

Plain Python (numpy, Pillow, OpenCV; dlib, face_recognition and onnxruntime on first use); nothing here imports
Django, so it can be used from views, Celery workers, management commands and benchmarks alike. Importing it loads
no face model: detectors and encoders load theirs when they first detect or encode (dlib's alone cost ~1.9 s).
"""

from __future__ import annotations

from .analytics import (
    AnalyticsNode,
    FrameTracks,
    Intrusion,
    LineCrossingNode,
    NodeResult,
    NodeTrack,
    PeopleCountNode,
    TimeWindow,
    Zone,
    ZoneIntrusionNode,
    nodes_from_config,
    validate_line,
    validate_polygon,
)
from .detection import (
    DEFAULT_DETECTION_MAX_SIDE,
    DEFAULT_DETECTION_MODEL,
    DEFAULT_NUM_JITTERS,
    DEFAULT_UPSAMPLE,
    ENCODING_DIM,
    FaceDetector,
)
from .enrollment import DEFAULT_MIN_FACE_PX, DEFAULT_MIN_SHARPNESS, EnrollmentFace, analyse_enrollment_photo
from .errors import ImageRejected, RejectionCode
from .geometry import FaceBox
from .images import DEFAULT_MAX_PIXELS, downscale, load_image
from .matcher import (
    DEFAULT_LOOKALIKE_EXTRA_MARGIN,
    DEFAULT_MARGIN,
    DEFAULT_TOLERANCE,
    DEFAULT_TOP_K,
    Candidate,
    FaceMatches,
    Matcher,
    similarity_percent,
)
from .pipeline import (
    FramePipeline,
    FrameReport,
    FrameSampler,
    Identification,
    PipelineConfig,
    PipelineStats,
    TrackedFace,
)
from .quality import sharpness
from .tracking import FaceTracker, Recognition, Track
from .video import StreamError, is_live, open_frames

__all__ = [
    "DEFAULT_DETECTION_MAX_SIDE",
    "DEFAULT_DETECTION_MODEL",
    "DEFAULT_LOOKALIKE_EXTRA_MARGIN",
    "DEFAULT_MARGIN",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MIN_FACE_PX",
    "DEFAULT_MIN_SHARPNESS",
    "DEFAULT_NUM_JITTERS",
    "DEFAULT_TOLERANCE",
    "DEFAULT_TOP_K",
    "DEFAULT_UPSAMPLE",
    "ENCODING_DIM",
    "AnalyticsNode",
    "Candidate",
    "EnrollmentFace",
    "FaceBox",
    "FaceDetector",
    "FaceMatches",
    "FaceTracker",
    "FramePipeline",
    "FrameReport",
    "FrameSampler",
    "FrameTracks",
    "Identification",
    "ImageRejected",
    "Intrusion",
    "LineCrossingNode",
    "Matcher",
    "NodeResult",
    "NodeTrack",
    "PeopleCountNode",
    "PipelineConfig",
    "PipelineStats",
    "Recognition",
    "RejectionCode",
    "StreamError",
    "TimeWindow",
    "Track",
    "TrackedFace",
    "Zone",
    "ZoneIntrusionNode",
    "analyse_enrollment_photo",
    "downscale",
    "is_live",
    "load_image",
    "nodes_from_config",
    "open_frames",
    "sharpness",
    "similarity_percent",
    "validate_line",
    "validate_polygon",
]
