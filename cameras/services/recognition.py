"""What a camera processor and `process_video` share: building the pipeline, the roster scope, student lookups."""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from django.conf import settings

from recognition.engine import FaceDetector
from recognition.engine.pipeline import FramePipeline, PipelineConfig
from recognition.services.engine import build_detector
from recognition.services.index import get_matcher
from recognition.services.recognize import roster_ids
from school.models import Classroom, Student

logger = logging.getLogger(__name__)

#: The roster is re-read this often, so a student enrolled in (or moved out of) the class counts without restart.
ROSTER_REFRESH_S = 30.0


def build_pipeline(*, sample_fps: float, tolerance: float | None, scope: RosterScope) -> FramePipeline:
    """A pipeline for one stream. The matcher is fetched per analysed frame, so new enrollments apply live."""
    config = PipelineConfig(
        sample_fps=sample_fps,
        detect_max_side=settings.CAMERA_DETECT_MAX_SIDE,
        deep_scan_s=settings.CAMERA_DEEP_SCAN_S,
        min_faces=settings.MIN_FACES,
        tolerance=settings.MATCH_TOLERANCE if tolerance is None else tolerance,
        margin=settings.MATCH_MARGIN,
        # A decided face's confident view may be proposed as a fresh enrollment photo (recognition.services.freshness).
        confident_distance=settings.FRESH_PHOTO_MAX_DISTANCE,
        confident_margin=settings.FRESH_PHOTO_MIN_MARGIN,
    )
    return FramePipeline(camera_detector(), get_matcher, config, scope)


@cache
def camera_detector() -> FaceDetector:
    # The pipeline downscales frames itself (detect_max_side). HOG detects video in grey: 1.5x faster, and a face
    # missed in one frame is found in the next.
    return build_detector(settings.CAMERA_FACE_DETECTOR, upsample=settings.CAMERA_DETECTION_UPSAMPLE, grey=True)


def warm_up_camera_detector() -> None:
    """Load the cameras' models now (~3 s the first time: dlib, the networks), in a kiosk worker when the process's
    first kiosk socket opens (`cameras.consumers.kiosk_pool`, the one place that calls it), so that the first frame's
    reply does not wait for them. A failure is logged: the frame that needs the models then says why."""
    try:
        camera_detector().warm_up()
    except Exception:
        logger.exception("the cameras' face detector could not be warmed up")


class RosterScope:
    """The classroom's enrolled students, re-read every ROSTER_REFRESH_S; the pipeline matches only these."""

    def __init__(self, classroom: Classroom, refresh_s: float = ROSTER_REFRESH_S) -> None:
        self.classroom = classroom
        self.refresh_s = refresh_s
        self._ids: frozenset[int] = frozenset()
        self._read_at: float | None = None

    def __call__(self) -> frozenset[int]:
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self.refresh_s:
            try:
                self._ids = frozenset(roster_ids(self.classroom))
            except Exception:
                if self._read_at is None:
                    raise  # nothing to fall back on yet
                # A database hiccup: keep matching against the roster we have, and retry next time.
            self._read_at = now
        return self._ids


class StudentDirectory:
    """Students by id, read once each (names for the overlay, rows for record_sighting)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._students: dict[int, Student | None] = {}

    def get(self, student_id: int) -> Student | None:
        with self._lock:
            if student_id in self._students:
                return self._students[student_id]
        student = Student.objects.filter(pk=student_id).first()
        with self._lock:
            self._students[student_id] = student
        return student

    def name(self, student_id: int) -> str:
        student = self.get(student_id)
        return student.full_name if student is not None else "?"

    def forget(self) -> None:
        """Drop the cache (renamed students show their new name)."""
        with self._lock:
            self._students.clear()
