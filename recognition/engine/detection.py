"""Face detection and 128-d encodings (dlib through face_recognition).

Detection is the expensive, resolution-sensitive step (HOG with one upsample costs ~0.8 s on a 2200x970 photo
here), so it runs on a copy shrunk to ``max_side``. Encoding is cheap and benefits from detail, so it runs on the
full-resolution image with the boxes mapped back.

Video frames can be detected on a grey copy (``grey=True``): dlib computes its HOG gradients on each colour
channel of an RGB image and keeps the strongest, which costs ~1.5x more (72 against 48 ms on a 640x360 frame with
one upsample). Grey finds the same faces on the clip, give or take a few pixels of box, but misses some faint ones
that colour finds (a blurred portrait), so photos, detected once, keep colour.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import cv2
import face_recognition
import face_recognition.api
import numpy as np
from numpy.typing import NDArray

from .images import RGBImage, downscale

__all__ = [
    "DEFAULT_DETECTION_MAX_SIDE",
    "DEFAULT_DETECTION_MODEL",
    "DEFAULT_NUM_JITTERS",
    "DEFAULT_UPSAMPLE",
    "ENCODING_DIM",
    "DetectionModel",
    "FaceBox",
    "FaceDetector",
]

DetectionModel = Literal["hog", "cnn"]

ENCODING_DIM = 128
DEFAULT_DETECTION_MODEL: DetectionModel = "hog"
#: 1280 px: on a 4000x2348 photo detection takes 0.33 s here (1024: 0.20 s, 1600: 0.50 s, full size: 2.9 s), and
#: HOG with one upsample still finds faces of ~36 px on the copy, i.e. ~115 px in a 4000 px wide original.
DEFAULT_DETECTION_MAX_SIDE = 1280
DEFAULT_UPSAMPLE = 1
DEFAULT_NUM_JITTERS = 1


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face rectangle in pixel coordinates of the original image; bottom/right are exclusive like dlib's."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(self.width, 0) * max(self.height, 0)

    @property
    def size(self) -> int:
        """Smallest side: the number that decides whether a face has enough pixels to be recognised."""
        return min(self.width, self.height)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """(top, right, bottom, left): face_recognition's "css" order."""
        return (self.top, self.right, self.bottom, self.left)

    def to_dict(self) -> dict[str, int]:
        return {"top": self.top, "right": self.right, "bottom": self.bottom, "left": self.left}

    def scaled(self, factor: float) -> FaceBox:
        """Multiply every coordinate by ``factor`` (e.g. 1 / downscale factor), rounding to whole pixels."""
        return FaceBox(
            top=round(self.top * factor),
            right=round(self.right * factor),
            bottom=round(self.bottom * factor),
            left=round(self.left * factor),
        )

    def moved(self, down: int, right: int) -> FaceBox:
        """The same box ``down`` px lower and ``right`` px further right (a crop's boxes back in the image's)."""
        return FaceBox(self.top + down, self.right + right, self.bottom + down, self.left + right)

    def grown(self, fraction: float) -> FaceBox:
        """Pushed out on every side by ``fraction`` of its width/height (rounded up): room for hair and chin."""
        pad_x = math.ceil(self.width * fraction)
        pad_y = math.ceil(self.height * fraction)
        return FaceBox(self.top - pad_y, self.right + pad_x, self.bottom + pad_y, self.left - pad_x)

    def clipped(self, height: int, width: int) -> FaceBox:
        """Clamp to an image of ``height`` x ``width`` (dlib happily returns boxes that overhang the border)."""
        return FaceBox(
            top=min(max(self.top, 0), height),
            right=min(max(self.right, 0), width),
            bottom=min(max(self.bottom, 0), height),
            left=min(max(self.left, 0), width),
        )


class FaceEncoder(Protocol):
    """Encodes faces as dlib's ResNet does: one 128-d row per box."""

    def encode(self, image: RGBImage, boxes: Sequence[FaceBox]) -> NDArray[np.float64]: ...


_thread_detectors = threading.local()


def hog_detector() -> Any:
    """This thread's own dlib HOG detector. dlib's detector lets go of the GIL while it scans, and one shared between
    threads (camera processors, kiosk workers) corrupts memory and crashes the process: each thread builds its own,
    once (~0.4 s)."""
    detector = getattr(_thread_detectors, "detector", None)
    if detector is None:
        import dlib

        detector = _thread_detectors.detector = dlib.get_frontal_face_detector()
    return detector


class FaceDetector:
    """Finds faces and computes their 128-d dlib encodings.

    ``max_side`` bounds the longest side of the copy that detection runs on; ``upsample`` is dlib's
    number_of_times_to_upsample (each one lets HOG find faces half as big, at ~4x the cost); ``num_jitters`` is
    how many perturbed crops are averaged per encoding (N times slower, slightly more stable); ``grey`` runs HOG
    on a grey copy (faster, see the module docstring; the CNN model always sees colour).
    """

    def __init__(
        self,
        model: DetectionModel = DEFAULT_DETECTION_MODEL,
        max_side: int = DEFAULT_DETECTION_MAX_SIDE,
        upsample: int = DEFAULT_UPSAMPLE,
        num_jitters: int = DEFAULT_NUM_JITTERS,
        grey: bool = False,
        encoder: FaceEncoder | None = None,
    ) -> None:
        if model not in ("hog", "cnn"):
            raise ValueError(f"unknown detection model {model!r}, expected 'hog' or 'cnn'")
        if max_side <= 0:
            raise ValueError("max_side must be positive")
        if upsample < 0:
            raise ValueError("upsample must be >= 0")
        if num_jitters < 1:
            raise ValueError("num_jitters must be >= 1")
        self.model: DetectionModel = model
        self.max_side = max_side
        self.upsample = upsample
        self.num_jitters = num_jitters
        self.grey = grey
        # A faster encoder with dlib's own encodings (fast_encoder.FastEncoder); it knows no jitter.
        self.encoder = encoder if num_jitters == 1 else None

    def __repr__(self) -> str:
        return (
            f"FaceDetector(model={self.model!r}, max_side={self.max_side}, upsample={self.upsample}, "
            f"num_jitters={self.num_jitters}, grey={self.grey})"
        )

    def detect(self, image: RGBImage, *, upsample: int | None = None) -> list[FaceBox]:
        """Face boxes in ``image`` coordinates, largest first; ``upsample`` overrides the detector's own."""
        image = _as_rgb(image)
        times = self.upsample if upsample is None else upsample
        height, width = image.shape[:2]
        small, scale = downscale(image, self.max_side)
        if self.model == "hog":
            scanned = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if self.grey else small
            # dlib's HOG detector, called directly to pass a grey image; one per thread (see hog_detector).
            rectangles = hog_detector()(scanned, times)
            locations = [(rect.top(), rect.right(), rect.bottom(), rect.left()) for rect in rectangles]
        else:
            locations = face_recognition.face_locations(small, number_of_times_to_upsample=times, model="cnn")
        boxes = []
        for top, right, bottom, left in locations:
            box = FaceBox(int(top), int(right), int(bottom), int(left))
            if scale != 1.0:
                box = box.scaled(1.0 / scale)
            box = box.clipped(height, width)
            if box.area > 0:
                boxes.append(box)
        # Largest first; position breaks ties so the order never depends on dlib's internal ordering.
        boxes.sort(key=lambda b: (-b.area, b.left, b.top))
        return boxes

    def encode(self, image: RGBImage, boxes: list[FaceBox]) -> NDArray[np.float32]:
        """128-d encodings, one row per box (same order), computed on the full-resolution ``image``."""
        image = _as_rgb(image)
        if not boxes:
            return np.empty((0, ENCODING_DIM), dtype=np.float32)
        if self.encoder is not None:
            return np.asarray(self.encoder.encode(image, boxes), dtype=np.float32).reshape(len(boxes), ENCODING_DIM)
        encodings = face_recognition.face_encodings(
            image, known_face_locations=[box.as_tuple() for box in boxes], num_jitters=self.num_jitters
        )
        return np.asarray(encodings, dtype=np.float32).reshape(len(boxes), ENCODING_DIM)

    def detect_and_encode(
        self, image: RGBImage, max_faces: int | None = None
    ) -> tuple[list[FaceBox], NDArray[np.float32]]:
        """Detect, keep the ``max_faces`` largest faces (all when None), and encode them."""
        if max_faces is not None and max_faces < 0:
            raise ValueError("max_faces must be >= 0")
        boxes = self.detect(image)
        if max_faces is not None:
            boxes = boxes[:max_faces]
        return boxes, self.encode(image, boxes)


def _as_rgb(image: RGBImage) -> RGBImage:
    # dlib raises an unhelpful "Unsupported image type" for anything else, and needs C-ordered memory.
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 array of shape (H, W, 3), got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)
