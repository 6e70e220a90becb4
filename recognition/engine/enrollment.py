"""Checking an enrollment photo (one student, one face) and extracting its encoding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .detection import FaceBox, FaceDetector
from .errors import ImageRejected, RejectionCode
from .images import RGBImage
from .quality import sharpness

__all__ = ["DEFAULT_MIN_FACE_PX", "DEFAULT_MIN_SHARPNESS", "EnrollmentFace", "analyse_enrollment_photo"]

#: Smallest accepted face side, in pixels of the uploaded photo. Measured on the fixtures (obama, obama2, biden,
#: lin-manuel-miranda, alex-lacamoire, obama_small shrunk until HOG boxes of a given size came out), distance of the
#: shrunk face's encoding to the full-resolution one: ~36 px -> 0.29-0.34, ~43-52 px -> 0.14-0.24,
#: ~62 px -> 0.11-0.16, ~74 px -> 0.07-0.11, >= 89 px -> 0.07-0.11. Same-person distances are ~0.3-0.45 against a
#: 0.5 tolerance, so an enrollment face must not add more than ~0.1 of its own: 70 px. HOG boxes come in steps
#: (..., 52, 62, 74, 89, 107 px), so in practice 74 px is the smallest accepted box. The smallest fixture
#: portrait, obama_small.jpg, has a 107 px face.
DEFAULT_MIN_FACE_PX = 70

#: Minimum of :func:`quality.sharpness`. Measured on the fixture portraits: sharp originals score 61
#: (alex-lacamoire, soft studio light) to 656 (obama); Gaussian blur of sigma 4 brings every one of them to 3-21
#: and moves its encoding by 0.20-0.52. 35 is the geometric middle of 21 and 61 (a 1.7x margin on each side); at
#: that level blur had moved the encodings by ~0.14-0.20 (sigma 3 on lin-manuel-miranda scores 36, 0.14 away).
DEFAULT_MIN_SHARPNESS = 35.0


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: comparing ndarrays field-wise is ambiguous
class EnrollmentFace:
    """The single usable face of an enrollment photo; ``encoding`` is a read-only float32 (128,) array."""

    box: FaceBox
    encoding: NDArray[np.float32]
    face_size_px: int
    sharpness: float


def analyse_enrollment_photo(
    image: RGBImage,
    detector: FaceDetector,
    *,
    min_face_px: int = DEFAULT_MIN_FACE_PX,
    min_sharpness: float = DEFAULT_MIN_SHARPNESS,
) -> EnrollmentFace:
    """Find the one face of an enrollment photo, check it is big and sharp enough, and encode it.

    Raises :class:`ImageRejected` with ``NO_FACE``, ``MULTIPLE_FACES`` (two or more faces of at least half of
    ``min_face_px``; smaller ones are people far in the background and are ignored), ``FACE_TOO_SMALL`` or
    ``TOO_BLURRY``.
    """
    boxes = detector.detect(image)
    if not boxes:
        raise ImageRejected(RejectionCode.NO_FACE, "no face was found in the photo")
    # Largest first: boxes[0] is the candidate face.
    relevant = [box for box in boxes if box.size * 2 >= min_face_px]
    if len(relevant) > 1:
        raise ImageRejected(
            RejectionCode.MULTIPLE_FACES, f"{len(relevant)} faces were found, an enrollment photo needs exactly one"
        )
    face = boxes[0]
    if face.size < min_face_px:
        raise ImageRejected(
            RejectionCode.FACE_TOO_SMALL, f"the face is {face.size} px wide, the minimum is {min_face_px} px"
        )
    score = sharpness(image, face)
    if score < min_sharpness:
        raise ImageRejected(
            RejectionCode.TOO_BLURRY,
            f"the face is too blurry (sharpness {score:.0f}, the minimum is {min_sharpness:g})",
        )
    encoding = detector.encode(image, [face])[0]
    encoding.flags.writeable = False
    return EnrollmentFace(box=face, encoding=encoding, face_size_px=face.size, sharpness=score)
