"""The per-frame pipeline of a camera: sample, skip still frames, detect, track, encode now and then, decide.

Costs here (one CPU core), by default: RetinaFace on a 640x360 frame ~10-15 ms (HOG ~50-70 ms with one upsample,
~12-17 ms without), one 128-d encoding ~6 ms on the fast encoder (~75 ms on dlib's own), matching well under 1 ms.
With RetinaFace every analysed frame gets one whole scan; the shallow/deep split of step 3 is HOG's. So the
pipeline

1. analyses ``sample_fps`` frames per second, scheduled on the frames' own timestamps (a file gives the same result
   however fast the machine is);
2. skips a frame that barely differs from the last analysed one (mean absolute grey difference on a 64 px copy
   below ``motion_threshold``), but only while no live track is undecided, so someone standing still still gets
   the recognitions needed to be identified; and at least one frame every ``5 * recheck_s`` is analysed anyway;
3. detects on a copy at most ``detect_max_side`` px wide and maps the boxes back to the frame. With HOG,
   upsampling (which finds faces half as big) is most of the cost (49 of 49 ms against 12 without, on a 640x360
   frame), so the whole frame gets it only once per ``deep_scan_s``; the other frames get a shallow scan without
   it (faces from ~65-80 px) plus, for each tracked face too small for that, an upsampled scan of the region
   around its last box. A small face that walks in is found within ``deep_scan_s``, and once found it is followed
   every frame;
4. follows faces with a :class:`FaceTracker` and encodes a track's face (on the full-resolution frame) only when the
   track is new or its last encoding is ``recheck_s`` old (``5 * recheck_s`` once its identity is decided);
5. decides a track's identity over its last ``decision_window`` recognitions (default ``2 * min_faces``): each
   student's area-weighted mean distance (a recognition that did not list the student counts 1.0 for it); decided
   after ``min_faces`` recognitions when the best mean is <= ``tolerance`` and the runner-up's is at least
   ``margin`` further. Only the recent ones count because a face is seen better as it comes closer and turns to
   the camera: its first, poor views must not hold the decision back for as long as the track lives. An ambiguous
   track stays unknown.

Once decided, an identity is kept (attendance is never taken back) and reported once, in ``identifications``. Later
recognitions may favour another student; the track switches to that student, and reports it, only when the rule
decides for them over a full window of at least ``2 * min_faces`` recognitions: a couple of poor frames must not
rename a face that was already recognised, but a track that really was mis-assigned (e.g. two people crossing) can
still be corrected.

A track's best single view can be much better than the mean its identity is decided at (the first views are poor,
or it came closer later). With ``confident_distance`` set, a recognition whose own match puts a student first,
within ``confident_distance`` and at least ``confident_margin`` ahead of the next, is a confident view of them; a
track's first confident view of its decided student (one from before the decision is kept until then) is reported
once, in ``confident_views``: a crop good enough to be proposed as a fresh enrollment photo. It decides nothing.

Not thread-safe: one pipeline per video stream. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from .detection import FaceBox, FaceDetector
from .images import RGBImage, downscale
from .matcher import DEFAULT_MARGIN, DEFAULT_TOLERANCE, DEFAULT_TOP_K, FaceMatches, Matcher
from .quality import sharpness
from .tracking import ABSENT_DISTANCE, BestView, FaceTracker, Recognition, Track, iou

__all__ = [
    "CROP_MAX_SIDE",
    "FramePipeline",
    "FrameReport",
    "FrameSampler",
    "Identification",
    "PipelineConfig",
    "PipelineStats",
    "SkipReason",
    "TrackedFace",
    "UnknownFace",
    "UnknownTrack",
    "decide_identity",
    "face_crop_jpeg",
    "view_quality",
]

#: Evidence crops are at most this big: enough to recognise someone on a screen, a few kB as JPEG.
CROP_MAX_SIDE = 160
#: Margin added around the face box on each side of the crop, as a fraction of the box size (hair, chin, ears).
CROP_MARGIN = 0.3
CROP_JPEG_QUALITY = 85
#: The motion check compares copies this big (longest side): averaging ~10x10 pixels into one removes sensor and
#: JPEG noise (~0.1-0.3 grey levels left on a still scene) while a person moving still changes many of its pixels.
MOTION_MAX_SIDE = 64
#: Decided tracks are re-encoded this many times less often than undecided ones, and a still scene is analysed at
#: least this often (in units of ``recheck_s``).
DECIDED_RECHECK_FACTOR = 5.0
#: HOG without upsampling finds faces from about this size (its window is 80 px; a bit smaller ones are found too,
#: not reliably); tracked faces smaller than this are looked for with upsampling around their last box.
SHALLOW_SCAN_MIN_FACE = 80
#: The region searched around a small tracked face: its box pushed out by this many box sizes on every side, room
#: for ~0.5 s of head movement (see tracking.DEFAULT_MAX_SHIFT) and the context HOG needs around a face.
TRACK_SEARCH_MARGIN = 1.0
#: A view at least this sharp (variance of the Laplacian, see quality.sharpness) counts by its size alone; blurrier
#: ones count less, in proportion (the enrollment check's default minimum: what makes a usable face picture).
SHARP_ENOUGH = 35.0
# Timestamps are floats computed by different means (media time, index / fps): allow for their rounding.
_TIME_EPS = 1e-6

SkipReason = Literal["not_due", "still"]


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of a :class:`FramePipeline` (see the module docstring for how each one is used)."""

    sample_fps: float = 2.0  # frames analysed per second of stream time; math.inf analyses every frame
    detect_max_side: int = 640
    # Mean absolute grey-level difference (0-255) on the MOTION_MAX_SIDE copy below which a frame is "still": a
    # still scene measures ~0.1-0.5 (noise, compression), a person walking into view several units.
    motion_threshold: float = 2.0
    min_faces: int = 2
    recheck_s: float = 1.0
    tolerance: float = DEFAULT_TOLERANCE
    margin: float = DEFAULT_MARGIN
    max_faces: int = 20
    top_k: int = DEFAULT_TOP_K
    decision_window: int | None = None  # recognitions the decision looks at, the latest; None: 2 * min_faces
    deep_scan_s: float = 1.5  # the whole frame is scanned with the detector's upsampling this often; 0: always
    # A decided track's first view this close to its student, and this far ahead of the next, is reported once in
    # FrameReport.confident_views (see the module docstring); None: never.
    confident_distance: float | None = None
    confident_margin: float = DEFAULT_MARGIN

    def __post_init__(self) -> None:
        if not self.sample_fps > 0:
            raise ValueError("sample_fps must be positive")
        if self.detect_max_side <= 0:
            raise ValueError("detect_max_side must be positive")
        if self.motion_threshold < 0:
            raise ValueError("motion_threshold must be >= 0 (0 never skips a frame as still)")
        if self.min_faces < 1:
            raise ValueError("min_faces must be >= 1")
        if self.recheck_s < 0:
            raise ValueError("recheck_s must be >= 0")
        if not self.tolerance > 0:
            raise ValueError("tolerance must be positive")
        if self.margin < 0:
            raise ValueError("margin must be >= 0")
        if self.max_faces < 1:
            raise ValueError("max_faces must be >= 1")
        if self.top_k < 1:
            raise ValueError("top_k must be >= 1")
        if self.deep_scan_s < 0:
            raise ValueError("deep_scan_s must be >= 0")
        if self.decision_window is not None and self.decision_window < self.min_faces:
            raise ValueError("decision_window must be >= min_faces")
        if self.confident_distance is not None and self.confident_distance < 0:
            raise ValueError("confident_distance must be >= 0 (None: no confident views)")
        if self.confident_margin < 0:
            raise ValueError("confident_margin must be >= 0")
        if self.confident_distance is not None and self.top_k < 2:
            raise ValueError("confident views need top_k >= 2 (the margin is to the next candidate)")

    @property
    def window(self) -> int:
        return 2 * self.min_faces if self.decision_window is None else self.decision_window


@dataclass(frozen=True, slots=True)
class TrackedFace:
    """A face in an analysed frame: its track, box, and decided identity (None while unknown)."""

    track_id: int
    box: FaceBox
    student_id: int | None
    distance: float | None  # the student's area-weighted mean distance over the track


@dataclass(frozen=True, slots=True)
class Identification:
    """A track whose identity was decided in this frame, with a small JPEG of the face as evidence; or, in
    ``confident_views``, a decided track's confident view, whose distance, margin, box and timestamp (maybe an
    earlier frame's) are then that view's own."""

    track_id: int
    student_id: int
    distance: float
    box: FaceBox
    timestamp: float
    crop_jpeg: bytes
    # How far ahead of the next student the decision was (weighted mean distances), and this frame's encoding:
    # what a fresh enrollment photo proposal needs (recognition.services.freshness).
    margin: float = 0.0
    encoding: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class UnknownFace:
    """A track still unknown after a whole decision window of recognitions: reported once, with its crop."""

    track_id: int
    box: FaceBox
    timestamp: float
    crop_jpeg: bytes
    best_distance: float | None  # the closest student's mean distance over the window (None: nobody listed)
    encoding: np.ndarray | None = None  # the encoding of this frame's view of the face


@dataclass(frozen=True, slots=True)
class UnknownTrack:
    """A track that stayed unknown (reported as such, never identified), with the best view it had of the face:
    what a caller keeps for review when the track ends (or its lesson does)."""

    track_id: int
    first_seen: float
    last_seen: float
    view: BestView


@dataclass(frozen=True, slots=True)
class FrameReport:
    """What one ``process`` call did. Skipped frames (``analysed`` False) carry no faces."""

    timestamp: float
    analysed: bool
    faces: list[TrackedFace] = field(default_factory=list)
    known: int = 0
    unknown: int = 0
    identifications: list[Identification] = field(default_factory=list)
    confident_views: list[Identification] = field(default_factory=list)  # one per track at most, ever
    unknowns: list[UnknownFace] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)  # ids of the tracks dropped in this frame (face gone)
    ended_unknown: list[UnknownTrack] = field(default_factory=list)  # the ended tracks that stayed unknown
    skipped: SkipReason | None = None


@dataclass
class PipelineStats:
    """Counters since the pipeline was built (for monitoring and benchmarks)."""

    frames: int = 0  # process() calls
    analysed: int = 0
    skipped_still: int = 0
    faces_detected: int = 0
    deep_scans: int = 0  # analysed frames scanned whole with the detector's upsampling
    faces_encoded: int = 0
    identifications: int = 0


class FrameSampler:
    """Picks frames at ``fps`` per second of *stream* time, by the frames' timestamps (not the wall clock).

    Steps from each due time rather than from the frame's own time, so the rate is exact whatever the camera's
    frame rate; after a gap longer than a period (or when the clock goes back: a file started over, a camera
    restarted) it restarts from the current frame instead of bursting to catch up.
    """

    def __init__(self, fps: float) -> None:
        if not fps > 0:
            raise ValueError("fps must be positive")
        self.period = 1.0 / fps  # 0.0 for math.inf: every frame
        self._next_due: float | None = None
        self._last: float | None = None

    def wants(self, timestamp: float) -> bool:
        """Whether a frame at ``timestamp`` would be taken (no state change)."""
        if self._next_due is None or self._last is None or timestamp < self._last:
            return True
        return timestamp >= self._next_due - _TIME_EPS

    def offer(self, timestamp: float) -> bool:
        """Record a frame at ``timestamp``; True when it is due, and then it counts as taken."""
        due = self.wants(timestamp)
        if due:
            went_back = self._last is not None and timestamp < self._last
            if self._next_due is None or went_back or timestamp - self._next_due >= self.period:
                self._next_due = timestamp + self.period
            else:
                self._next_due += self.period
        self._last = timestamp
        return due


class FramePipeline:
    """Turns a stream of (frame, timestamp) into tracked faces and identity decisions; see the module docstring.

    ``matcher`` and ``scope`` are called on every analysed frame that needs matching, so the caller can swap the
    index (new enrollments) or the roster (the class in the room changed) without rebuilding the pipeline.
    """

    def __init__(
        self,
        detector: FaceDetector,
        matcher: Callable[[], Matcher],
        config: PipelineConfig,
        scope: Callable[[], Collection[int] | None] = lambda: None,
    ) -> None:
        self.detector = detector
        self.matcher = matcher
        self.config = config
        self.scope = scope
        self.tracker = FaceTracker()
        self.stats = PipelineStats()
        self.sampler = FrameSampler(config.sample_fps)
        self._reference: np.ndarray | None = None  # small grey copy of the last analysed frame
        self._last_deep_scan: float | None = None
        self._last_analysed: float | None = None

    def wants(self, timestamp: float) -> bool:
        """Whether a frame at ``timestamp`` is due for analysis (ask before decoding or converting a frame)."""
        return self.sampler.wants(timestamp)

    def process(self, frame: RGBImage, timestamp: float) -> FrameReport:
        """Analyse ``frame`` (RGB uint8, H x W x 3) if it is due and not still; see :class:`FrameReport`."""
        self.stats.frames += 1
        if not self.sampler.offer(timestamp):
            return FrameReport(timestamp=timestamp, analysed=False, skipped="not_due")
        restarted: list[Track] = []
        if self._last_analysed is not None and timestamp < self._last_analysed:
            # The clock went back (a file started over, a camera restarted): a new stream, whose tracks and
            # reference picture must not be compared with the old one's.
            restarted = self.tracker.finish()
            self._reference = None
            self._last_analysed = None
            self._last_deep_scan = None
        small_grey = _motion_copy(frame)
        if self._is_still(small_grey, timestamp):
            # Unchanged picture: the tracked faces are still there, so they must not age out meanwhile.
            self.tracker.touch(timestamp)
            self.stats.skipped_still += 1
            return FrameReport(timestamp=timestamp, analysed=False, skipped="still")
        self._reference = small_grey
        self._last_analysed = timestamp
        self.stats.analysed += 1
        report = self._analyse(frame, timestamp)
        if restarted:
            report.ended[:0] = [track.id for track in restarted]
            report.ended_unknown[:0] = unknown_tracks(restarted)
        return report

    def finish(self) -> list[Track]:
        """End of the stream: drop and return every live track."""
        return self.tracker.finish()

    def unknown_tracks(self) -> list[UnknownTrack]:
        """The live tracks that have stayed unknown so far, with their best views (e.g. when a lesson ends while
        they are still in view); they go on being tracked."""
        return unknown_tracks(self.tracker.tracks)

    def _is_still(self, small_grey: np.ndarray, timestamp: float) -> bool:
        reference = self._reference
        if reference is None or self._last_analysed is None or reference.shape != small_grey.shape:
            return False
        if any(track.student_id is None for track in self.tracker.tracks):
            return False  # an undecided face needs its recognitions even if nobody moves
        if timestamp - self._last_analysed >= self.config.recheck_s * DECIDED_RECHECK_FACTOR - _TIME_EPS:
            return False  # still for long: look anyway (slow changes, decided tracks' rechecks)
        difference = float(cv2.absdiff(small_grey, reference).mean())
        return difference < self.config.motion_threshold

    def _analyse(self, frame: RGBImage, timestamp: float) -> FrameReport:
        config = self.config
        boxes = self._detect(frame, timestamp)
        self.stats.faces_detected += len(boxes)
        tracks = self.tracker.update(boxes, timestamp)
        ended = [track.id for track in self.tracker.dropped]
        ended_unknown = unknown_tracks(self.tracker.dropped)
        identifications = []
        confident_views = []
        unknowns = []
        due = [track for track in tracks if self._needs_encoding(track, timestamp)]
        if due:
            encodings = self.detector.encode(frame, [track.box for track in due])
            self.stats.faces_encoded += len(due)
            matches = self.matcher().match(
                encodings, top_k=config.top_k, scope=self.scope(), tolerance=config.tolerance, margin=config.margin
            )
            for track, found, encoding in zip(due, matches, encodings, strict=True):
                track.add_recognition(Recognition(timestamp, float(track.box.area), found.candidates))
                reported = self._update_identity(track)
                crop = self._keep_best_view(track, frame, encoding, timestamp)
                if reported is not None:
                    identifications.append(
                        Identification(
                            track_id=track.id,
                            student_id=reported,
                            distance=track.distance if track.distance is not None else ABSENT_DISTANCE,
                            box=track.box,
                            timestamp=timestamp,
                            crop_jpeg=face_crop_jpeg(frame, track.box),
                            margin=decision_margin(track, config),
                            encoding=np.array(encoding, dtype=np.float32),  # a copy: buffers may be reused
                        )
                    )
                elif self._stays_unknown(track):
                    track.reported_unknown = True
                    ranking = track.ranking(config.window)
                    unknowns.append(
                        UnknownFace(
                            track_id=track.id,
                            box=track.box,
                            timestamp=timestamp,
                            crop_jpeg=crop if crop is not None else face_crop_jpeg(frame, track.box),
                            best_distance=ranking[0][1] if ranking else None,
                            encoding=np.asarray(encoding, dtype=np.float32),
                        )
                    )
                confident = self._confident_view(track, found, frame, encoding, timestamp)
                if confident is not None:
                    confident_views.append(confident)
        self.stats.identifications += len(identifications)
        faces = [TrackedFace(track.id, track.box, track.student_id, track.distance) for track in tracks]
        known = sum(1 for face in faces if face.student_id is not None)
        return FrameReport(
            timestamp=timestamp,
            analysed=True,
            faces=faces,
            known=known,
            unknown=len(faces) - known,
            identifications=identifications,
            confident_views=confident_views,
            unknowns=unknowns,
            ended=ended,
            ended_unknown=ended_unknown,
        )

    def _keep_best_view(self, track: Track, frame: RGBImage, encoding: np.ndarray, timestamp: float) -> bytes | None:
        """Keep this view as the track's best while it is unknown and the view is its best so far; returns the
        view's crop when it made one (the unknown-face report reuses it)."""
        if track.identified:
            track.best_view = None  # a recognised face is nobody's to review
            return None
        quality = view_quality(frame, track.box)
        if track.best_view is not None and quality <= track.best_view.quality:
            return None
        crop = face_crop_jpeg(frame, track.box)
        vector = np.array(encoding, dtype=np.float32)  # a copy: the detector may reuse its buffers
        track.best_view = BestView(track.box, timestamp, quality, crop, vector)
        return crop

    def _confident_view(
        self, track: Track, found: FaceMatches, frame: RGBImage, encoding: np.ndarray, timestamp: float
    ) -> Identification | None:
        """The track's confident view when it is to be reported now: once per track, as soon as the track is decided
        for the student of its best confident view (this recognition's or, kept while it was undecided, an earlier
        one's). A view is confident when its own match accepts its best candidate (tolerance, margin, look-alikes)
        within ``confident_distance``, at least ``confident_margin`` ahead of the next one (ABSENT_DISTANCE when
        alone)."""
        limit = self.config.confident_distance
        if limit is None or track.reported_confident:
            return None
        best = found.match
        if best is not None and best == found.candidates[0] and best.distance <= limit:
            runner_up = found.candidates[1].distance if len(found.candidates) > 1 else ABSENT_DISTANCE
            margin = float(runner_up - best.distance)
            kept = track.confident_view
            if track.student_id is None:  # undecided: keep the best one, whoever it shows
                wanted = kept is None or best.distance < kept.distance
            else:
                wanted = best.student_id == track.student_id
            if margin >= self.config.confident_margin and wanted:
                track.confident_view = Identification(
                    track_id=track.id,
                    student_id=best.student_id,
                    distance=float(best.distance),
                    box=track.box,
                    timestamp=timestamp,
                    crop_jpeg=face_crop_jpeg(frame, track.box),
                    margin=margin,
                    encoding=np.array(encoding, dtype=np.float32),
                )
        view = track.confident_view
        if view is None or track.student_id is None or view.student_id != track.student_id:
            return None
        track.reported_confident = True
        track.confident_view = None
        return view

    def _stays_unknown(self, track: Track) -> bool:
        """Undecided after a whole decision window, and not reported as such yet."""
        return (
            track.student_id is None
            and not track.identified
            and not track.reported_unknown
            and len(track.recognitions) >= self.config.window
        )

    def _detect(self, frame: RGBImage, timestamp: float) -> list[FaceBox]:
        height, width = frame.shape[:2]
        small, scale = downscale(frame, self.config.detect_max_side)
        if self._deep_scan_due(timestamp):
            self._last_deep_scan = timestamp
            self.stats.deep_scans += 1
            boxes = self.detector.detect(small)
        else:
            boxes = self.detector.detect(small, upsample=0)
            boxes += self._around_small_tracks(small, scale, boxes)
            boxes.sort(key=lambda b: (-b.area, b.left, b.top))  # largest first, as the detector gives them
        boxes = boxes[: self.config.max_faces]
        if scale == 1.0:
            return boxes
        mapped = [box.scaled(1.0 / scale).clipped(height, width) for box in boxes]
        return [box for box in mapped if box.area > 0]

    def _deep_scan_due(self, timestamp: float) -> bool:
        last = self._last_deep_scan
        if not self.detector.has_shallow_scan or last is None or timestamp < last:
            return True  # RetinaFace, or HOG without upsampling: one scan finds everything it can
        return timestamp - last >= self.config.deep_scan_s - _TIME_EPS

    def _around_small_tracks(self, small: RGBImage, scale: float, found: list[FaceBox]) -> list[FaceBox]:
        """Faces found by upsampled scans of the regions around the tracked faces too small for a shallow scan
        (in ``small``'s coordinates), except where ``found`` already has one."""
        height, width = small.shape[:2]
        extra: list[FaceBox] = []
        for track in self.tracker.tracks:
            last = track.box.scaled(scale)
            if last.size >= SHALLOW_SCAN_MIN_FACE or any(iou(last.grown(0.5), box) > 0 for box in found + extra):
                continue
            region = last.grown(TRACK_SEARCH_MARGIN).clipped(height, width)
            if region.size < 1:
                continue
            crop = np.ascontiguousarray(small[region.top : region.bottom, region.left : region.right])
            extra.extend(box.moved(region.top, region.left) for box in self.detector.detect(crop))
        return extra

    def _needs_encoding(self, track: Track, timestamp: float) -> bool:
        if track.last_encoded is None:
            return True
        interval = self.config.recheck_s
        if track.student_id is not None:
            interval *= DECIDED_RECHECK_FACTOR
        return timestamp - track.last_encoded >= interval - _TIME_EPS

    def _update_identity(self, track: Track) -> int | None:
        """Re-decide after a new recognition; returns the student newly reported for this track, if any."""
        decided = decide_identity(track, self.config)
        reported = None
        if decided is not None:
            student, _ = decided
            if track.student_id is None or (
                student != track.student_id
                and min(len(track.recognitions), self.config.window) >= 2 * self.config.min_faces
            ):
                track.student_id = student
                if student not in track.identified:
                    track.identified.append(student)
                    reported = student
        if track.student_id is not None:
            track.distance = track.mean_distance(track.student_id, self.config.window)
        return reported


def unknown_tracks(tracks: Collection[Track]) -> list[UnknownTrack]:
    """Those of ``tracks`` that were reported unknown, never identified, and have a best view."""
    return [
        UnknownTrack(track.id, track.first_seen, track.last_seen, track.best_view)
        for track in tracks
        if track.reported_unknown and not track.identified and track.best_view is not None
    ]


def view_quality(frame: RGBImage, box: FaceBox) -> float:
    """How good a view of a face is, higher better: its size in pixels, scaled down when it is blurrier than
    SHARP_ENOUGH (a big but blurred face shows less of the person than a smaller sharp one)."""
    return float(box.size) * min(1.0, sharpness(frame, box) / SHARP_ENOUGH)


def decision_margin(track: Track, config: PipelineConfig) -> float:
    """How much closer the track's student is than the next one, over the decision window (0 when undecided)."""
    ranking = track.ranking(config.window)
    if not ranking or track.student_id is None or ranking[0][0] != track.student_id:
        return 0.0
    runner_up = ranking[1][1] if len(ranking) > 1 else ABSENT_DISTANCE
    return float(runner_up - ranking[0][1])


def decide_identity(track: Track, config: PipelineConfig) -> tuple[int, float] | None:
    """(student id, weighted mean distance) when the track's recognitions decide an identity, else None."""
    if len(track.recognitions) < config.min_faces:
        return None
    ranking = track.ranking(config.window)
    if not ranking:
        return None
    best_student, best = ranking[0]
    # A student no recognition listed has mean distance 1.0, so that is the runner-up when only one was listed.
    runner_up = ranking[1][1] if len(ranking) > 1 else ABSENT_DISTANCE
    if best <= config.tolerance and runner_up - best >= config.margin:
        return best_student, best
    return None


def face_crop_jpeg(
    frame: RGBImage, box: FaceBox, *, margin: float = CROP_MARGIN, max_side: int = CROP_MAX_SIDE
) -> bytes:
    """A JPEG of the face in ``box`` with ``margin`` around it, at most ``max_side`` px on its longest side."""
    height, width = frame.shape[:2]
    padded = box.grown(margin).clipped(height, width)
    crop = frame[padded.top : padded.bottom, padded.left : padded.right]
    if crop.size == 0:
        crop = frame
    crop, _ = downscale(np.ascontiguousarray(crop), max_side)
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, CROP_JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("the face crop could not be encoded as JPEG")
    return buffer.tobytes()


def _motion_copy(frame: RGBImage) -> np.ndarray:
    small, _ = downscale(frame, MOTION_MAX_SIDE)
    grey: np.ndarray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    return grey
