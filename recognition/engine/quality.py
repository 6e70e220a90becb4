"""Image quality measures for enrollment photos."""

from __future__ import annotations

import cv2
import numpy as np

from .detection import FaceBox
from .images import RGBImage

__all__ = ["SHARPNESS_CROP_SIDE", "sharpness"]

#: The face crop is resized to this square before measuring, so a 100 px face and a 600 px face of the same
#: photographic sharpness score alike (the Laplacian's variance grows with resolution otherwise). 128 px is about
#: the size dlib's recogniser itself looks at (150 px aligned chips).
SHARPNESS_CROP_SIDE = 128


def sharpness(image: RGBImage, box: FaceBox) -> float:
    """Variance of the Laplacian of the grayscale face crop resized to a fixed square; higher is sharper.

    Blur removes high frequencies, and the Laplacian is a high-pass filter, so its variance collapses on blurred
    faces. Returns 0.0 for an empty box.
    """
    height, width = image.shape[:2]
    box = box.clipped(height, width)
    if box.width <= 0 or box.height <= 0:
        return 0.0
    crop = np.ascontiguousarray(image[box.top : box.bottom, box.left : box.right])
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    # Shrinking uses INTER_AREA (no aliasing, which would fake sharpness); enlarging small faces uses INTER_CUBIC.
    shrinking = gray.shape[0] >= SHARPNESS_CROP_SIDE and gray.shape[1] >= SHARPNESS_CROP_SIDE
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    normalised = cv2.resize(gray, (SHARPNESS_CROP_SIDE, SHARPNESS_CROP_SIDE), interpolation=interpolation)
    laplacian = cv2.Laplacian(normalised, cv2.CV_64F)
    return float(laplacian.var())
