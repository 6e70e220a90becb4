"""Face detection and 128-d encodings: RetinaFace (onnxruntime) or dlib's HOG/CNN, then dlib's encodings.

Detection is resolution-sensitive (HOG with one upsample costs ~0.8 s on a 2200x970 photo here, RetinaFace ~50
ms), so it runs on a copy shrunk to ``max_side``. Encoding benefits from detail, so it runs on the
full-resolution image with the boxes mapped back.

RetinaFace (``model="retinaface"``, see :mod:`.retinaface`) finds faces from ~20 px on the copy in one pass;
``upsample`` and ``grey`` are HOG's and do not apply to it. HOG finds faces from ~80 px, or ~40 px with one
upsample at ~4x the cost.

Video frames can be detected on a grey copy (``grey=True``): dlib computes its HOG gradients on each colour
channel of an RGB image and keeps the strongest, which costs ~1.5x more (72 against 48 ms on a 640x360 frame with
one upsample). Grey finds the same faces on the clip, give or take a few pixels of box, but misses some faint ones
that colour finds (a blurred portrait), so photos, detected once, keep colour.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

import cv2
import numpy as np
from numpy.typing import NDArray

from .geometry import FaceBox
from .images import RGBImage, downscale

if TYPE_CHECKING:
    from .retinaface import RetinaFace

__all__ = [
    "DEFAULT_DETECTION_MAX_SIDE",
    "DEFAULT_DETECTION_MODEL",
    "DEFAULT_NUM_JITTERS",
    "DEFAULT_UPSAMPLE",
    "DETECTION_MODELS",
    "ENCODING_DIM",
    "DetectionModel",
    "FaceBox",
    "FaceDetector",
]

DetectionModel = Literal["retinaface", "hog", "cnn"]
DETECTION_MODELS: tuple[DetectionModel, ...] = get_args(DetectionModel)

ENCODING_DIM = 128
DEFAULT_DETECTION_MODEL: DetectionModel = "retinaface"
#: 1280 px: on a 4000x2348 photo detection takes 0.33 s here (1024: 0.20 s, 1600: 0.50 s, full size: 2.9 s), and
#: HOG with one upsample still finds faces of ~36 px on the copy, i.e. ~115 px in a 4000 px wide original.
DEFAULT_DETECTION_MAX_SIDE = 1280
DEFAULT_UPSAMPLE = 1
DEFAULT_NUM_JITTERS = 1


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

    ``model`` is ``"retinaface"`` (default), ``"hog"`` or ``"cnn"`` (dlib's); ``max_side`` bounds the longest side
    of the copy that detection runs on; ``upsample`` is dlib's number_of_times_to_upsample (each one lets HOG find
    faces half as big, at ~4x the cost); ``num_jitters`` is how many perturbed crops are averaged per encoding (N
    times slower, slightly more stable); ``grey`` runs HOG on a grey copy (faster, see the module docstring; the
    CNN model and RetinaFace always see colour). ``retinaface`` is the network to use (built on first use when
    None); ``encoder`` the fast encoder (dlib's ``face_encodings`` when None).
    """

    def __init__(
        self,
        model: DetectionModel = DEFAULT_DETECTION_MODEL,
        max_side: int = DEFAULT_DETECTION_MAX_SIDE,
        upsample: int = DEFAULT_UPSAMPLE,
        num_jitters: int = DEFAULT_NUM_JITTERS,
        grey: bool = False,
        encoder: FaceEncoder | None = None,
        retinaface: RetinaFace | None = None,
    ) -> None:
        if model not in DETECTION_MODELS:
            raise ValueError(f"unknown detection model {model!r}, expected one of {', '.join(DETECTION_MODELS)}")
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
        self._retinaface = retinaface
        self._retinaface_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"FaceDetector(model={self.model!r}, max_side={self.max_side}, upsample={self.upsample}, "
            f"num_jitters={self.num_jitters}, grey={self.grey})"
        )

    @property
    def has_shallow_scan(self) -> bool:
        """Whether ``detect(upsample=0)`` is a cheaper, coarser scan than ``detect()`` (HOG with upsampling);
        RetinaFace and HOG without upsampling have one scan only."""
        return self.model != "retinaface" and self.upsample > 0

    @property
    def retinaface(self) -> RetinaFace:
        """The RetinaFace network, built on first use (raises RetinaFaceError if it cannot be)."""
        with self._retinaface_lock:
            if self._retinaface is None:
                from .retinaface import RetinaFace

                self._retinaface = RetinaFace()
            return self._retinaface

    def warm_up(self) -> None:
        """Load every model this detector uses (dlib's, the networks: ~2 s on first use) by detecting and encoding
        once on a blank picture: a worker calls it in the background so that its first real face is not the one
        that waits."""
        blank = np.full((96, 96, 3), 128, dtype=np.uint8)
        self.detect(blank)
        self.encode(blank, [FaceBox(top=16, right=80, bottom=80, left=16)])

    def detect(self, image: RGBImage, *, upsample: int | None = None) -> list[FaceBox]:
        """Face boxes in ``image`` coordinates, largest first; ``upsample`` overrides the detector's own (HOG/CNN).

        RetinaFace's boxes are reshaped to the box HOG would draw (``retinaface.to_dlib_box``), which is what dlib's
        landmark predictor, and so the encoder, expects."""
        image = _as_rgb(image)
        times = self.upsample if upsample is None else upsample
        height, width = image.shape[:2]
        small, scale = downscale(image, self.max_side)
        if self.model == "retinaface":
            from .retinaface import to_dlib_box

            locations = [to_dlib_box(face).as_tuple() for face in self.retinaface.detect(small)]
        elif self.model == "hog":
            scanned = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if self.grey else small
            # dlib's HOG detector, called directly to pass a grey image; one per thread (see hog_detector).
            rectangles = hog_detector()(scanned, times)
            locations = [(rect.top(), rect.right(), rect.bottom(), rect.left()) for rect in rectangles]
        else:
            import face_recognition

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
        import face_recognition

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
