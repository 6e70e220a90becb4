"""Face tracks: the same face followed from frame to frame by box overlap.

Encoding a face costs several times more than detecting it (~75 ms against ~17-70 ms per frame here), and a face
in front of a camera stays for many frames, so the pipeline encodes a *track* once and re-checks it now and then
instead of encoding every face of every frame. A track also gathers several recognitions of one face, which is
what lets an identity be decided on more than one lucky (or unlucky) frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .detection import FaceBox
from .matcher import Candidate

__all__ = ["DEFAULT_IOU_THRESHOLD", "DEFAULT_MAX_MISSING_S", "FaceTracker", "Recognition", "Track", "iou"]

#: Boxes of one face in consecutive analysed frames overlap well above this; two different faces side by side do
#: not overlap at all.
DEFAULT_IOU_THRESHOLD = 0.3
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


@dataclass(frozen=True, slots=True)
class Recognition:
    """One encoding of a track's face matched against the enrolled students."""

    timestamp: float
    weight: float  # the face's area in pixels: bigger faces carry more detail, so they count more
    candidates: tuple[Candidate, ...]


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
    # Running sums so that each student's weighted mean costs O(candidates), however long the track lives:
    # sum_r w_r * d_r(s) = total_weight + sum over the recognitions that list s of w_r * (d_r(s) - ABSENT_DISTANCE).
    _total_weight: float = 0.0
    _excess: dict[int, float] = field(default_factory=dict)

    def add_recognition(self, recognition: Recognition) -> None:
        if not recognition.weight > 0:
            raise ValueError("a recognition needs a positive weight")
        self.recognitions.append(recognition)
        self.last_encoded = recognition.timestamp
        self._total_weight += recognition.weight
        for candidate in recognition.candidates:
            previous = self._excess.get(candidate.student_id, 0.0)
            self._excess[candidate.student_id] = previous + recognition.weight * (candidate.distance - ABSENT_DISTANCE)

    def mean_distance(self, student_id: int) -> float:
        """Area-weighted mean distance of ``student_id`` over the recognitions (1.0 where it was not listed)."""
        if not self.recognitions:
            return ABSENT_DISTANCE
        return ABSENT_DISTANCE + self._excess.get(student_id, 0.0) / self._total_weight

    def ranking(self) -> list[tuple[int, float]]:
        """(student id, weighted mean distance) of every student any recognition listed, best first."""
        if not self.recognitions:
            return []
        scores = [(student, ABSENT_DISTANCE + excess / self._total_weight) for student, excess in self._excess.items()]
        scores.sort(key=lambda item: (item[1], item[0]))
        return scores


class FaceTracker:
    """Assigns each frame's face boxes to tracks, greedily by IoU (best pair first), or starts new tracks.

    Tracks not seen for more than ``max_missing_s`` are dropped at the next ``update``; the tracks dropped by the
    last call are in ``dropped`` so callers can finish them. Not thread-safe: one tracker per video stream.
    """

    def __init__(
        self, iou_threshold: float = DEFAULT_IOU_THRESHOLD, max_missing_s: float = DEFAULT_MAX_MISSING_S
    ) -> None:
        if not 0.0 < iou_threshold <= 1.0:
            raise ValueError("iou_threshold must be in (0, 1]")
        if max_missing_s < 0:
            raise ValueError("max_missing_s must be >= 0")
        self.iou_threshold = iou_threshold
        self.max_missing_s = max_missing_s
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
                overlap = iou(track.box, box)
                if overlap >= self.iou_threshold:
                    pairs.append((overlap, track_index, box_index))
        # Best overlap first; ties go to the older track and the earlier (larger) box, so results are repeatable.
        pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
        assigned: list[Track | None] = [None] * len(boxes)
        taken: set[int] = set()
        for _, track_index, box_index in pairs:
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

    def touch(self, timestamp: float) -> None:
        """Mark every live track as seen at ``timestamp``: for frames known to be unchanged (no motion)."""
        for track in self._tracks:
            track.last_seen = max(track.last_seen, timestamp)

    def finish(self) -> list[Track]:
        """Drop every live track (end of the stream) and return them."""
        finished, self._tracks = self._tracks, []
        return finished
