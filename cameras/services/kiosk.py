"""The kiosk: a browser's webcam at the classroom door, one :class:`KioskSession` per open socket.

Each frame the browser sends goes through the same pipeline as a camera's (tracking, a decision only after
MIN_FACES recognitions of the same face), then, with KIOSK_LIVENESS=blink, through the liveness check
(recognition/engine/liveness.py): a recognised face is marked present only once it has blinked while tracked, so a
photo held up to the kiosk marks nobody. Marks go through ``record_sighting`` (lesson rules, dedup, the live
page's events) with source ``kiosk``.

Identical frames (a frozen webcam, a client resending) are answered from a small cache keyed by the frame's hash,
without touching the session: an identical frame tells nothing new, and never a blink.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.services.sightings import record_sighting
from cameras.services.kiosk_stats import KIOSK_STATS
from cameras.services.overlay import encode_jpeg
from cameras.services.recognition import RosterScope, StudentDirectory, camera_detector
from recognition.engine.images import RGBImage, downscale, load_image
from recognition.engine.liveness import BlinkDetector, eye_sample, face_landmarks
from recognition.engine.pipeline import FramePipeline, FrameReport, Identification, PipelineConfig
from recognition.models import FacePhoto
from recognition.services.freshness import offer_from_identification
from recognition.services.index import get_matcher
from recognition.services.recognize import roster_ids
from school.errors import Refused
from school.models import Classroom
from school.services.lessons import current_lesson

logger = logging.getLogger(__name__)

#: Frames are analysed at this width at most (the page sends 640 px; a bigger one is shrunk, not refused).
KIOSK_MAX_SIDE = 960
#: The lesson is looked up again after this long (a kiosk stays open across lessons).
LESSON_CHECK_S = 30.0


class KioskFrameError(Refused):
    """A frame the kiosk cannot use; ``code`` is the reply's reason code."""


def decode_frame(data: bytes) -> RGBImage:
    """The RGB image of a JPEG (or PNG) frame, shrunk to KIOSK_MAX_SIDE; KioskFrameError when it is none."""
    if len(data) > settings.KIOSK_MAX_FRAME_BYTES:
        limit = {"max": settings.KIOSK_MAX_FRAME_BYTES}
        raise KioskFrameError("too_large", _("The frame is larger than %(max)d bytes.") % limit)
    array = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(array, cv2.IMREAD_COLOR) if array.size else None
    if image is None:
        raise KioskFrameError("bad_image", _("The frame is not a JPEG or PNG image."))
    height, width = image.shape[:2]
    if height < 32 or width < 32 or height * width > 16_000_000:
        raise KioskFrameError("bad_image", _("The frame's size is not that of a webcam picture."))
    rgb: RGBImage = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    return downscale(rgb, KIOSK_MAX_SIDE)[0]


def kiosk_page_settings() -> dict[str, Any]:
    """What the kiosk page's script needs to know (its pace, the frames' size, whether to ask for a blink)."""
    return {
        "frame_interval_ms": round(settings.KIOSK_FRAME_INTERVAL_S * 1000),
        "blink_interval_ms": round(settings.KIOSK_BLINK_INTERVAL_S * 1000),
        "max_width": 640,
        "jpeg_quality": 0.8,
        "liveness": settings.KIOSK_LIVENESS,
    }


#: The kiosk's confirmation shows the enrollment photo this wide.
THUMBNAIL_PX = 240


def enrollment_thumbnail(classroom: Classroom, student_id: int) -> bytes | None:
    """A small JPEG of the student's latest usable enrollment photo, if the student is in the classroom's roster."""
    if student_id not in roster_ids(classroom):
        return None
    photo = FacePhoto.objects.filter(student_id=student_id, status=FacePhoto.Status.READY).order_by("-pk").first()
    if photo is None:
        return None
    with photo.image.open("rb") as handle:
        image = load_image(handle.read())
    return encode_jpeg(downscale(image, THUMBNAIL_PX)[0])


# --- the frame cache ----------------------------------------------------------------------------------------------
class FrameCache:
    """The answers to recent frames by their hash: bounded (least recently used go first), each kept ``ttl_s``."""

    def __init__(self, size: int, ttl_s: float) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                KIOSK_STATS.cache_miss()
                return None
            self._entries.move_to_end(key)
        KIOSK_STATS.cache_hit()
        return entry[1]

    def put(self, key: str, reply: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_s, reply)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            KIOSK_STATS.cache_entries = len(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_cache: FrameCache | None = None
_cache_lock = threading.Lock()


def frame_cache() -> FrameCache:
    global _cache
    with _cache_lock:
        if _cache is None or (_cache.size, _cache.ttl_s) != (settings.KIOSK_CACHE_SIZE, settings.KIOSK_CACHE_TTL_S):
            _cache = FrameCache(settings.KIOSK_CACHE_SIZE, settings.KIOSK_CACHE_TTL_S)
        return _cache


def frame_key(classroom_id: int, index_version: object, data: bytes) -> str:
    # The names in an answer come from the classroom's roster and from the matcher's index: a consent withdrawn, an
    # erasure or a new photo bumps the index version, so an answer cached before it is never served after it.
    return f"{classroom_id}:{index_version}:{hashlib.blake2b(data, digest_size=16).hexdigest()}"


# --- the session --------------------------------------------------------------------------------------------------
@dataclass
class _Track:
    identification: Identification | None = None
    done: bool = False  # recognised and live: recorded (whether or not a lesson made it a presence)
    marked: bool = False  # recorded as present or late
    unknown: bool = False


class KioskSession:
    """One kiosk's tracking and liveness state. Not thread-safe: the consumer hands it one frame at a time."""

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.liveness = settings.KIOSK_LIVENESS
        self.scope = RosterScope(classroom)
        self.students = StudentDirectory()
        config = PipelineConfig(
            sample_fps=float("inf"),  # the browser paces the frames
            detect_max_side=640,
            motion_threshold=0.0,  # every frame is analysed: a still face must still be followed for its blink
            deep_scan_s=settings.CAMERA_DEEP_SCAN_S,
            min_faces=settings.MIN_FACES,
            tolerance=settings.MATCH_TOLERANCE,
            margin=settings.MATCH_MARGIN,
        )
        self.pipeline = FramePipeline(camera_detector(), get_matcher, config, self.scope)
        self.blinks = BlinkDetector()
        self._tracks: dict[int, _Track] = {}
        self._started = time.monotonic()
        self._lesson: Any = None
        self._lesson_checked_at: float | None = None
        self._index_version: object = None

    def process(self, data: bytes) -> dict[str, Any]:
        """Analyse one frame; returns the ``detection_results`` reply (without its type)."""
        started = time.perf_counter()
        version = get_matcher().version
        if version != self._index_version:
            self._start_over(version)
        key = frame_key(self.classroom.pk, version, data)
        cached = frame_cache().get(key)
        if cached is not None:
            return {**cached, "marked": [], "processing_time": round(time.perf_counter() - started, 4), "cached": True}
        frame = decode_frame(data)
        timestamp = time.monotonic() - self._started
        report = self.pipeline.process(frame, timestamp)
        lesson = self._current_lesson()
        for identification in report.identifications:
            self._track(identification.track_id).identification = identification
        for unknown in report.unknowns:
            self._track(unknown.track_id).unknown = True
        faces = [self._face(face, frame, timestamp) for face in report.faces]
        marked = self._mark_live_faces(report, lesson)
        for face in faces:  # a face marked by this very frame shows as marked already
            if face["track_id"] in {entry["track_id"] for entry in marked}:
                face["state"] = "marked"
        self._forget(report)
        elapsed = time.perf_counter() - started
        reply = {
            "frame": {"width": int(frame.shape[1]), "height": int(frame.shape[0])},
            "faces": faces,
            "marked": [{key: value for key, value in entry.items() if key != "track_id"} for entry in marked],
            "liveness": {
                "mode": self.liveness,
                "waiting": any(face["state"] in ("blink", "too_small") for face in faces),
            },
            "lesson": None if lesson is None else {"id": lesson.pk, "subject": lesson.subject},
            "processing_time": round(elapsed, 4),
            "cached": False,
        }
        frame_cache().put(key, {name: value for name, value in reply.items() if name not in ("marked",)})
        KIOSK_STATS.processed(elapsed)
        if elapsed > settings.SLOW_FRAME_S:
            logger.warning("kiosk %s: a frame took %.2f s", self.classroom.code, elapsed)
        return reply

    def _track(self, track_id: int) -> _Track:
        return self._tracks.setdefault(track_id, _Track())

    def _face(self, face: Any, frame: np.ndarray, timestamp: float) -> dict[str, Any]:
        track = self._track(face.track_id)
        recognised = face.student_id is not None and track.identification is not None
        big_enough = face.box.width >= settings.KIOSK_MIN_FACE_PX
        # The eyes are watched from the first frame (the blink may come before the identity is decided), until the
        # track is recorded; not those of a face known to be nobody, nor one too small to measure.
        watched = (
            self.liveness == "blink"
            and not (track.marked or track.done)
            and big_enough
            and not (face.student_id is None and track.unknown)
        )
        blinked = watched and self.blinks.observe(face.track_id, eye_sample(face_landmarks(frame, face.box), timestamp))
        if track.marked:
            state = "marked"
        elif track.done:
            state = "recognised"  # live and recognised, but no lesson to mark them in
        elif recognised:
            state = "live" if self.liveness != "blink" or blinked else "blink" if big_enough else "too_small"
        elif face.student_id is None and track.unknown:
            state = "unknown"
        else:
            state = "recognising"
        name = self.students.name(face.student_id) if face.student_id is not None else ""
        return {
            "box": face.box.to_dict(),
            "track_id": face.track_id,
            "student_id": face.student_id,
            "name": name,
            "distance": None if face.distance is None else round(face.distance, 3),
            "state": state,
        }

    def _mark_live_faces(self, report: FrameReport, lesson: Any) -> list[dict[str, Any]]:
        """Mark the recognised tracks that are live (blinked, or liveness off) and not yet marked."""
        marked = []
        for face in report.faces:
            track = self._tracks.get(face.track_id)
            if track is None or track.done or track.identification is None or face.student_id is None:
                continue
            if self.liveness == "blink" and not self.blinks.blinked(face.track_id):
                continue
            entry = self._record(track.identification, lesson)
            track.done = True
            if entry is not None:
                track.marked = True
                marked.append({"track_id": face.track_id, **entry})
        return marked

    def _record(self, identification: Identification, lesson: Any) -> dict[str, Any] | None:
        if identification.student_id not in self.scope():
            return None
        student = self.students.get(identification.student_id)
        if student is None:
            return None
        sighting = record_sighting(
            student=student,
            classroom=self.classroom,
            seen_at=timezone.now(),
            distance=identification.distance,
            crop_jpeg=identification.crop_jpeg,
            source="kiosk",
        )
        if not sighting.no_consent:
            offer_from_identification(student, identification, seen_at=timezone.now(), where=self.classroom.code)
        if sighting.presence is None:
            return None  # no lesson now: logged, nobody marked
        return {
            "student_id": student.pk,
            "name": student.full_name,
            "status": sighting.presence.status,
            "photo_url": reverse("cameras:kiosk-photo", args=[self.classroom.code, student.pk]),
        }

    def _start_over(self, version: object) -> None:
        """The matcher's index changed (a consent withdrawn, an erasure, new photos): the faces in view are tracked
        and decided again against it, so none keeps a name the new index would not give it."""
        if self._index_version is not None:
            self.blinks.forget([track.id for track in self.pipeline.finish()])
            self._tracks.clear()
        self._index_version = version

    def _forget(self, report: FrameReport) -> None:
        if report.ended:
            self.blinks.forget(report.ended)
            for track_id in report.ended:
                self._tracks.pop(track_id, None)

    def _current_lesson(self) -> Any:
        tick = time.monotonic()
        if self._lesson_checked_at is None or tick - self._lesson_checked_at >= LESSON_CHECK_S:
            self._lesson_checked_at = tick
            self._lesson = current_lesson(self.classroom, timezone.now())
        return self._lesson
