"""Liveness by blinking: a face is taken for a live person only once it has blinked while tracked.

A kiosk at the classroom door is where a child can hold up a friend's photo, and an absent student marked present
is the worst error Chamada can make. A photo cannot blink; a person blinks every few seconds.

How a blink is recognised, per tracked face, from the 68 facial landmarks dlib's shape predictor places (the
model face_recognition_models ships):

* *Eye openness* is the eye aspect ratio (Soukupová and Čech, 2016) of each eye, averaged over both: the two
  vertical lid distances over twice the eye's width, ~0.25-0.40 for open eyes, much lower for closed ones.
  Landmarks are placed on the face cut out and scaled to ``LANDMARK_FACE_PX`` wide, so a face far from the camera
  and one close to it are measured alike.
* A blink is *open, closed, open*: at least two steady open samples (within ``steady_spread`` of each other), then
  one or more samples at most ``closed_ratio`` of their median, then, within ``max_closed_s``, an open sample back
  within ``steady_spread`` of that median (the closure is timed from the middle of the gap before the first closed
  sample to the middle of the gap after the last, so that sparse samples still catch a blink). The whole face must
  keep its size and place meanwhile (the distance between the outer eye corners and the nose within
  ``scale_tolerance``): landmarks jitter when a photo is moved, tilted or blurred, and that jitter comes with the
  whole face changing, whereas in a blink only the lids move.

What it stops: a printed photo or a phone showing a still picture, held still or moved in front of the camera, and
a frozen video. What it does not stop: a video of the student replayed on a screen (they blink in it), or a mask
with eye holes. dlib's predictor is biased towards open eyes, so a real closed eye measures ~0.7 of the open one
rather than ~0.2: the thresholds are relative to each face's own open eyes, and a steady gaze is needed before the
blink (someone turning the head while blinking is asked again).

Nothing here imports Django. Not thread-safe: one detector per video stream.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from statistics import median

import cv2
import numpy as np
from numpy.typing import NDArray

from .detection import FaceBox
from .images import RGBImage

__all__ = [
    "LANDMARK_FACE_PX",
    "BlinkDetector",
    "EyeSample",
    "eye_openness",
    "eye_sample",
    "face_landmarks",
]

#: Faces are scaled to this width before their landmarks are placed.
LANDMARK_FACE_PX = 200
_LEFT_EYE = slice(36, 42)
_RIGHT_EYE = slice(42, 48)
_OUTER_CORNERS = (36, 45)
_NOSE = (27, 33)  # top of the nose bridge, bottom of the nose
_MARGIN = 0.25  # of the box, around the face, for the predictor's context

Landmarks = NDArray[np.float64]  # 68 x 2, (x, y) in the image's pixels


def face_landmarks(image: RGBImage, box: FaceBox) -> Landmarks:
    """The 68 landmarks of the face in ``box``, in ``image``'s pixel coordinates."""
    import dlib
    import face_recognition.api

    height, width = image.shape[:2]
    pad_x, pad_y = round(box.width * _MARGIN), round(box.height * _MARGIN)
    top, bottom = max(0, box.top - pad_y), min(height, box.bottom + pad_y)
    left, right = max(0, box.left - pad_x), min(width, box.right + pad_x)
    crop = image[top:bottom, left:right]
    scale = LANDMARK_FACE_PX / max(1, box.width)
    interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
    resized = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation)
    rect = dlib.rectangle(
        round((box.left - left) * scale),
        round((box.top - top) * scale),
        round((box.right - left) * scale),
        round((box.bottom - top) * scale),
    )
    shape = face_recognition.api.pose_predictor_68_point(np.ascontiguousarray(resized), rect)
    points = np.array([(part.x, part.y) for part in shape.parts()], dtype=np.float64)
    return points / scale + (left, top)


def _aspect_ratio(eye: NDArray[np.float64]) -> float:
    width = float(np.linalg.norm(eye[0] - eye[3]))
    if width <= 0:
        return 0.0
    return float(np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / (2.0 * width)


def eye_openness(points: Landmarks) -> float:
    """The mean eye aspect ratio of both eyes."""
    return (_aspect_ratio(points[_LEFT_EYE]) + _aspect_ratio(points[_RIGHT_EYE])) / 2.0


@dataclass(frozen=True, slots=True)
class EyeSample:
    """One frame's measure of a tracked face: its eye openness, and where and how big the face is (the outer eye
    corners' distance, the nose's length and the nose's position, in pixels)."""

    timestamp: float
    openness: float
    eye_span: float
    nose_length: float
    nose: tuple[float, float]


def eye_sample(points: Landmarks, timestamp: float) -> EyeSample:
    a, b = _OUTER_CORNERS
    top, bottom = _NOSE
    return EyeSample(
        timestamp=timestamp,
        openness=eye_openness(points),
        eye_span=float(np.linalg.norm(points[a] - points[b])),
        nose_length=float(np.linalg.norm(points[top] - points[bottom])),
        nose=(float(points[bottom][0]), float(points[bottom][1])),
    )


@dataclass
class _TrackEyes:
    samples: deque[EyeSample] = field(default_factory=deque)
    blinked: bool = False


class BlinkDetector:
    """Remembers each track's recent eye samples and says once it has blinked (for good: a blink is not undone)."""

    def __init__(
        self,
        *,
        closed_ratio: float = 0.8,
        steady_spread: float = 0.12,
        max_closed_s: float = 1.0,
        window_s: float = 6.0,
        scale_tolerance: float = 0.06,
        min_open_samples: int = 2,
    ) -> None:
        if not 0 < closed_ratio < 1:
            raise ValueError("closed_ratio must be between 0 and 1")
        if not 0 < steady_spread < 1 - closed_ratio:
            raise ValueError("steady_spread must be positive and leave room below it for a closed eye")
        if not (max_closed_s > 0 and window_s > max_closed_s):
            raise ValueError("window_s must be longer than max_closed_s, both positive")
        if not 0 < scale_tolerance < 1:
            raise ValueError("scale_tolerance must be between 0 and 1")
        if min_open_samples < 2:
            raise ValueError("min_open_samples must be >= 2")
        self.closed_ratio = closed_ratio
        self.steady_spread = steady_spread
        self.max_closed_s = max_closed_s
        self.window_s = window_s
        self.scale_tolerance = scale_tolerance
        self.min_open_samples = min_open_samples
        self._tracks: dict[int, _TrackEyes] = {}

    def observe(self, track_id: int, sample: EyeSample) -> bool:
        """Add the track's sample of this frame; True once the track has blinked."""
        eyes = self._tracks.setdefault(track_id, _TrackEyes())
        if eyes.blinked:
            return True
        if eyes.samples and sample.timestamp <= eyes.samples[-1].timestamp:
            eyes.samples.clear()  # the stream started over
        eyes.samples.append(sample)
        while eyes.samples[0].timestamp < sample.timestamp - self.window_s:
            eyes.samples.popleft()
        eyes.blinked = self._ends_a_blink(list(eyes.samples))
        return eyes.blinked

    def blinked(self, track_id: int) -> bool:
        eyes = self._tracks.get(track_id)
        return eyes is not None and eyes.blinked

    def forget(self, track_ids: list[int]) -> None:
        """Drop the state of tracks that ended."""
        for track_id in track_ids:
            self._tracks.pop(track_id, None)

    def _ends_a_blink(self, samples: list[EyeSample]) -> bool:
        """Whether the last sample reopens eyes that were closed after a steady open gaze."""
        reopened = samples[-1]
        closed_end = len(samples) - 1
        closed_start = closed_end
        while closed_start > 0 and samples[closed_start - 1].openness <= self.closed_ratio * reopened.openness:
            closed_start -= 1
        if closed_start == closed_end or closed_start == 0:
            return False  # the sample before this one was open too, or no open one came before the closed ones
        # How long the eyes were shut, from what was seen: they closed between the last open sample and the first
        # closed one, and reopened between the last closed one and this one; the middle of each gap is taken.
        # Timing from the first closed sample to the reopening counted the whole gap after it as shut eyes, so a
        # kiosk whose frames come ~1 s apart (a busy server, a slow kiosk computer) saw each 300 ms blink as a
        # second's closure and refused them all. Sparse samples cannot hide a long closure either way: this
        # estimate exceeds max_closed_s for every closure longer than twice max_closed_s, however far apart they
        # come (the open samples around it are at least that far apart).
        closed_for = (samples[closed_end - 1].timestamp + reopened.timestamp) / 2 - (
            samples[closed_start - 1].timestamp + samples[closed_start].timestamp
        ) / 2
        if closed_for > self.max_closed_s:
            return False  # eyes closed for long (or looking down): not a blink
        before = samples[max(0, closed_start - 4) : closed_start]
        if len(before) < self.min_open_samples:
            return False
        baseline = median(sample.openness for sample in before)
        if not _within(before, baseline, self.steady_spread, key=lambda sample: sample.openness):
            return False  # the open eyes were not steady: landmark jitter, not a gaze
        if abs(reopened.openness - baseline) > self.steady_spread * baseline:
            return False
        if any(sample.openness > self.closed_ratio * baseline for sample in samples[closed_start:closed_end]):
            return False
        return self._face_held_still(before, samples[closed_start:])

    def _face_held_still(self, before: list[EyeSample], rest: list[EyeSample]) -> bool:
        span = median(sample.eye_span for sample in before)
        nose = median(sample.nose_length for sample in before)
        x = median(sample.nose[0] for sample in before)
        y = median(sample.nose[1] for sample in before)
        tolerance = self.scale_tolerance
        for sample in [*before, *rest]:
            if abs(sample.eye_span - span) > tolerance * span or abs(sample.nose_length - nose) > tolerance * nose:
                return False
            if math.dist(sample.nose, (x, y)) > tolerance * span * 2:
                return False
        return True


def _within(samples: list[EyeSample], centre: float, spread: float, key: object) -> bool:
    values = [key(sample) for sample in samples]  # type: ignore[operator]
    return all(abs(value - centre) <= spread * centre for value in values)
