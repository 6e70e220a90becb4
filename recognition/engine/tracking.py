"""Face tracks: the same face followed from frame to frame by box overlap or, failing that, by nearness.

Encoding a face costs several times more than detecting it (~75 ms against ~17-70 ms per frame here), and a face
in front of a camera stays for many frames, so the pipeline encodes a *track* once and re-checks it now and then
instead of encoding every face of every frame. A track also gathers several recognitions of one face, which is
what lets an identity be decided on more than one lucky (or unlucky) frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .detection import FaceBox
from .matcher import Candidate

if TYPE_CHECKING:
    from .pipeline import Identification

__all__ = [
    "DEFAULT_IOU_THRESHOLD",
    "DEFAULT_MAX_MISSING_S",
    "DEFAULT_MAX_SHIFT",
    "DEFAULT_MAX_SIZE_RATIO",
    "BestView",
    "FaceTracker",
    "Recognition",
    "Track",
    "iou",
    "shift",
]

#: Boxes of one face in consecutive analysed frames overlap well above this; two different faces side by side do
#: not overlap at all.
DEFAULT_IOU_THRESHOLD = 0.3
#: Analysed frames are ~0.5 s apart, long enough for a head to move half its width (the clip: 0.4-0.6), which
#: leaves boxes of one face overlapping less than the IoU threshold. A box whose centre is within this many face
#: widths of a track's, and whose size is within DEFAULT_MAX_SIZE_RATIO of it, continues the track too: two
#: people's faces are at least about a face width apart.
DEFAULT_MAX_SHIFT = 0.75
DEFAULT_MAX_SIZE_RATIO = 1.5
#: A track survives a face missed by the detector (turned head, occlusion) for this long.
DEFAULT_MAX_MISSING_S = 1.5
#: Distance of a student that a recognition did not list among its candidates (dlib distances live in 0..~1.2;
#: same-person ones are below ~0.6).
ABSENT_DISTANCE = 1.0


def iou(a: FaceBox, b: FaceBox) -> float:
    """Intersection over union of two boxes (0.0 when they do not overlap)."""
    width = min(a.right, b.right) - max(a.left, b.left)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    return overlap / (a.area + b.area - overlap)


def shift(a: FaceBox, b: FaceBox) -> float:
    """Distance between the boxes' centres, in widths of the larger box (inf for empty boxes)."""
    size = max(a.width, b.width)
    if size <= 0:
        return math.inf
    dx = (a.left + a.right - b.left - b.right) / 2
    dy = (a.top + a.bottom - b.top - b.bottom) / 2
    return math.hypot(dx, dy) / size


@dataclass(frozen=True, slots=True)
class Recognition:
    """One encoding of a track's face matched against the enrolled students."""

    timestamp: float
    weight: float  # the face's area in pixels: bigger faces carry more detail, so they count more
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class BestView:
    """The best look a track had at its face while it was unknown (largest and sharp enough): what is kept of a
    face nobody could name."""

    box: FaceBox
    timestamp: float
    quality: float  # higher is better (see pipeline.view_quality)
    crop_jpeg: bytes
    encoding: np.ndarray  # the 128-d encoding of that view


@dataclass(eq=False)
class Track:
    """One face followed across frames. ``student_id``/``distance`` are the identity the pipeline decided."""

    id: int
    box: FaceBox
    first_seen: float
    last_seen: float
    seen: int = 1  # analysed frames in which the face was detected
    recognitions: list[Recognition] = field(default_factory=list)
    last_encoded: float | None = None
    student_id: int | None = None
    distance: float | None = None
    identified: list[int] = field(default_factory=list)  # students already reported for this track, in order
    reported_unknown: bool = False  # reported once as unknown after a whole decision window
    reported_confident: bool = False  # its confident view was reported (pipeline.PipelineConfig.confident_distance)
    confident_view: Identification | None = None  # the best confident view kept while it was undecided
    best_view: BestView | None = None  # kept while the track is unknown (never once it was identified)

    def add_recognition(self, recognition: Recognition) -> None:
        if not recognition.weight > 0:
            raise ValueError("a recognition needs a positive weight")
        self.recognitions.append(recognition)
        self.last_encoded = recognition.timestamp

    def mean_distance(self, student_id: int, window: int | None = None) -> float:
        """Area-weighted mean distance of ``student_id`` over the last ``window`` recognitions (all when None;
        1.0 where a recognition did not list the student)."""
        return dict(self.ranking(window)).get(student_id, ABSENT_DISTANCE)

    def ranking(self, window: int | None = None) -> list[tuple[int, float]]:
        """(student id, weighted mean distance) of every student the last ``window`` recognitions (all when None)
        listed, best first."""
        recent = self.recognitions if window is None else self.recognitions[-window:]
        total_weight = sum(recognition.weight for recognition in recent)
        if not recent:
            return []
        # sum_r w_r * d_r(s) = total weight + sum over the recognitions listing s of w_r * (d_r(s) - ABSENT_DISTANCE)
        excess: dict[int, float] = {}
        for recognition in recent:
            for candidate in recognition.candidates:
                gap = recognition.weight * (candidate.distance - ABSENT_DISTANCE)
                excess[candidate.student_id] = excess.get(candidate.student_id, 0.0) + gap
        scores = [(student, ABSENT_DISTANCE + gap / total_weight) for student, gap in excess.items()]
        scores.sort(key=lambda item: (item[1], item[0]))
        return scores


class FaceTracker:
    """Assigns each frame's face boxes to tracks, or starts new tracks.

    A box may continue a track it overlaps by at least ``iou_threshold``, or one whose centre is within
    ``max_shift`` face widths and whose size is within ``max_size_ratio``; pairs are taken greedily, nearest
    (smallest :func:`shift`) first.

    Tracks not seen for more than ``max_missing_s`` are dropped at the next ``update``; the tracks dropped by the
    last call are in ``dropped`` so callers can finish them. Not thread-safe: one tracker per video stream.
    """

    def __init__(
        self,
        iou_threshold: float = DEFAULT_IOU_THRESHOLD,
        max_missing_s: float = DEFAULT_MAX_MISSING_S,
        max_shift: float = DEFAULT_MAX_SHIFT,
        max_size_ratio: float = DEFAULT_MAX_SIZE_RATIO,
    ) -> None:
        if not 0.0 < iou_threshold <= 1.0:
            raise ValueError("iou_threshold must be in (0, 1]")
        if max_missing_s < 0:
            raise ValueError("max_missing_s must be >= 0")
        if max_shift < 0:
            raise ValueError("max_shift must be >= 0 (0: overlap alone)")
        if max_size_ratio < 1:
            raise ValueError("max_size_ratio must be >= 1")
        self.iou_threshold = iou_threshold
        self.max_missing_s = max_missing_s
        self.max_shift = max_shift
        self.max_size_ratio = max_size_ratio
        self.dropped: list[Track] = []
        self._tracks: list[Track] = []
        self._next_id = 1

    @property
    def tracks(self) -> list[Track]:
        """Live tracks, oldest first (including ones not seen in the last frame but not yet dropped)."""
        return list(self._tracks)

    def update(self, boxes: list[FaceBox], timestamp: float) -> list[Track]:
        """Assign ``boxes`` (one frame's detections) to tracks; returns the track of each box, in box order."""
        # Drop stale tracks first, so a face that left long ago cannot capture a newcomer at the same place.
        self.dropped = [track for track in self._tracks if timestamp - track.last_seen > self.max_missing_s]
        if self.dropped:
            self._tracks = [track for track in self._tracks if timestamp - track.last_seen <= self.max_missing_s]
        pairs = []
        for box_index, box in enumerate(boxes):
            for track_index, track in enumerate(self._tracks):
                if self._continues(track.box, box):
                    pairs.append((shift(track.box, box), -iou(track.box, box), track_index, box_index))
        # Nearest first; ties go to the better overlap, the older track and the earlier (larger) box, so results
        # are repeatable.
        pairs.sort()
        assigned: list[Track | None] = [None] * len(boxes)
        taken: set[int] = set()
        for _, _, track_index, box_index in pairs:
            if track_index in taken or assigned[box_index] is not None:
                continue
            track = self._tracks[track_index]
            track.box = boxes[box_index]
            track.last_seen = timestamp
            track.seen += 1
            taken.add(track_index)
            assigned[box_index] = track
        result: list[Track] = []
        for box, track_or_none in zip(boxes, assigned, strict=True):
            if track_or_none is None:
                track_or_none = Track(id=self._next_id, box=box, first_seen=timestamp, last_seen=timestamp)
                self._next_id += 1
                self._tracks.append(track_or_none)
            result.append(track_or_none)
        return result

    def _continues(self, previous: FaceBox, box: FaceBox) -> bool:
        if iou(previous, box) >= self.iou_threshold:
            return True
        smaller, larger = sorted((max(previous.width, 1), max(box.width, 1)))
        return larger / smaller <= self.max_size_ratio and shift(previous, box) <= self.max_shift

    def touch(self, timestamp: float) -> None:
        """Mark every live track as seen at ``timestamp``: for frames known to be unchanged (no motion)."""
        for track in self._tracks:
            track.last_seen = max(track.last_seen, timestamp)

    def finish(self) -> list[Track]:
        """Drop every live track (end of the stream) and return them."""
        finished, self._tracks = self._tracks, []
        return finished
