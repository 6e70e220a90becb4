"""Generated liveness cases: a portrait's eyes closed (for open-closed-open blink sequences) and a photo moved
around in front of the camera (tilted, scaled, shifted, blurred, recompressed), with the face's box in each frame."""

from __future__ import annotations

import random
from collections.abc import Iterator

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceBox
from recognition.engine.liveness import Landmarks

Image = NDArray[np.uint8]


def close_eyes(image: Image, points: Landmarks) -> Image:
    """The portrait with both eyes closed: the skin above each upper lid is stretched down to the lower lid, as a
    real lid slides over the eye (lashes end up along the lower lid)."""
    height, width = image.shape[:2]
    map_x, map_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    source_y = map_y.copy()
    for eye in (points[36:42], points[42:48]):
        x0, x1 = float(eye[0][0]), float(eye[3][0])
        eye_width = x1 - x0
        upper = eye[[0, 1, 2, 3]]
        lower = eye[[0, 5, 4, 3]]
        xs = np.arange(int(x0 - 0.3 * eye_width), int(x1 + 0.3 * eye_width) + 1)
        xs = xs[(xs >= 0) & (xs < width)]
        lid_top = np.interp(xs, upper[:, 0], upper[:, 1])
        lid_bottom = np.interp(xs, lower[:, 0], lower[:, 1])
        weight = np.clip(1.0 - (np.abs(xs - (x0 + x1) / 2) / (0.8 * eye_width)) ** 4, 0, 1)
        eye_height = max(2.0, float((lid_bottom - lid_top).max()))
        for index, x in enumerate(xs):
            top = lid_top[index] - 1.5 * eye_height  # the stretched skin starts this far above the lid
            closed_lid = lid_top[index] + (lid_bottom[index] - lid_top[index]) * weight[index] * 1.2  # past the lid
            ys = np.arange(max(0, int(top)), min(height, int(closed_lid) + 1))
            scale = (lid_top[index] - top) / max(1e-3, closed_lid - top)
            source_y[ys, x] = top + (ys - top) * scale
    return cv2.remap(image, map_x, source_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def moved_photo(image: Image, box: FaceBox, frames: int, seed: int) -> Iterator[tuple[Image, FaceBox]]:
    """A printed photo held up and moved: each frame tilted up to 8 degrees, scaled 0.85-1.15, shifted, sometimes
    blurred, JPEG-compressed; with the face's box carried along."""
    rng = random.Random(seed)
    height, width = image.shape[:2]
    for _frame in range(frames):
        angle, scale = rng.uniform(-8, 8), rng.uniform(0.85, 1.15)
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
        matrix[:, 2] += (rng.uniform(-30, 30), rng.uniform(-20, 20))
        frame = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
        if rng.random() < 0.3:
            kernel = rng.choice([3, 5])
            frame = cv2.GaussianBlur(frame, (kernel, kernel), 0)
        ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, rng.choice([60, 75, 90])])
        assert ok
        frame = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
        corners = (
            np.array(
                [
                    [box.left, box.top, 1],
                    [box.right, box.top, 1],
                    [box.right, box.bottom, 1],
                    [box.left, box.bottom, 1],
                ],
                dtype=np.float64,
            )
            @ matrix.T
        )
        left, top = corners.min(axis=0)
        right, bottom = corners.max(axis=0)
        yield frame, FaceBox(top=round(top), right=round(right), bottom=round(bottom), left=round(left))
