"""A generated set of small faces (24-80 px) on classroom-like backgrounds, for measuring detectors.

Each scene is a 640x360 frame (what a camera's detection copy is) drawn from a seed: a wall, a board with chalk
strokes, windows, posters with text and blocks of colour, desks, and noise, with no face anywhere but the pasted
ones. The faces are crops of the fixture portraits around their known face box, scaled so that box is the size
wanted, brightened or darkened, and pasted with a feathered elliptical edge; the scene is then JPEG-compressed as a
camera would send it. The truth is each pasted face's box (the box dlib's HOG draws on the original portrait,
scaled), so a detection counts when it lands on one, and every other detection is a false one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.engine.geometry import FaceBox
from tests.support.images import fixture_rgb

__all__ = ["SIZE_BANDS", "Scene", "band_of", "classroom_background", "count_found", "small_face_scenes"]

WIDTH, HEIGHT = 640, 360
#: Face sizes (side of the HOG-shaped box, px) in bands: [low, high).
SIZE_BANDS: tuple[tuple[int, int], ...] = ((24, 40), (40, 56), (56, 81))
#: The face box HOG finds on each fixture portrait at full size (top, right, bottom, left): the truth to paste by.
PORTRAIT_FACES: dict[str, tuple[tuple[int, int, int, int], ...]] = {
    "alex-lacamoire.png": ((150, 339, 305, 184),),
    "biden.jpg": ((239, 737, 560, 417),),
    "lin-manuel-miranda.png": ((170, 562, 491, 241),),
    "obama.jpg": ((142, 617, 409, 349),),
    "obama2.jpg": ((290, 438, 558, 171),),
    "obama_small.jpg": ((68, 211, 175, 103),),
    "two_people.jpg": ((47, 408, 202, 253), (57, 964, 242, 778)),
}
#: Crops keep this much of the face box around it (hair, ears, chin, a bit of collar), as a fraction of its side.
CROP_MARGIN = 0.6


@dataclass(frozen=True)
class Scene:
    """One generated frame and the boxes of the faces pasted into it."""

    image: NDArray[np.uint8]
    faces: tuple[FaceBox, ...]


def band_of(size: int) -> tuple[int, int] | None:
    for low, high in SIZE_BANDS:
        if low <= size < high:
            return (low, high)
    return None


def classroom_background(rng: np.random.Generator, width: int = WIDTH, height: int = HEIGHT) -> NDArray[np.uint8]:
    """A face-free classroom-like picture: wall, board, windows, posters with text, desks, sensor noise."""
    wall = rng.integers(150, 230, size=3)
    image = np.empty((height, width, 3), dtype=np.float32)
    shade = np.linspace(0.85, 1.1, width, dtype=np.float32)[np.newaxis, :, np.newaxis]
    image[:] = wall * shade
    canvas = np.clip(image, 0, 255).astype(np.uint8)
    board_left = int(rng.integers(20, width // 3))
    board = (
        board_left,
        int(rng.integers(10, 40)),
        board_left + int(rng.integers(200, 320)),
        int(rng.integers(120, 170)),
    )
    cv2.rectangle(canvas, board[:2], board[2:], (40, 70, 50) if rng.random() < 0.5 else (30, 30, 35), -1)
    for _ in range(int(rng.integers(6, 14))):  # chalk strokes
        start = (int(rng.integers(board[0], board[2])), int(rng.integers(board[1], board[3])))
        end = (start[0] + int(rng.integers(-60, 60)), start[1] + int(rng.integers(-15, 15)))
        cv2.line(canvas, start, end, (220, 220, 210), 1, cv2.LINE_AA)
    for _ in range(int(rng.integers(1, 3))):  # windows: bright panes with a frame cross
        left, top = int(rng.integers(0, width - 90)), int(rng.integers(5, 60))
        cv2.rectangle(canvas, (left, top), (left + 80, top + 110), (235, 240, 250), -1)
        cv2.line(canvas, (left + 40, top), (left + 40, top + 110), (120, 110, 100), 3)
        cv2.line(canvas, (left, top + 55), (left + 80, top + 55), (120, 110, 100), 3)
    for _ in range(int(rng.integers(2, 5))):  # posters: colour blocks and text
        left, top = int(rng.integers(0, width - 70)), int(rng.integers(0, height // 2))
        colour = tuple(int(c) for c in rng.integers(0, 255, size=3))
        cv2.rectangle(canvas, (left, top), (left + 60, top + 80), colour, -1)
        for line in range(3):
            text = "".join(chr(int(c)) for c in rng.integers(65, 91, size=4))
            cv2.putText(canvas, text, (left + 4, top + 20 + 20 * line), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (20, 20, 20), 1)
    desk_top = int(height * 0.7)
    for row in range(2):  # desks: brown slabs with legs
        top = desk_top + row * 45
        for left in range(int(rng.integers(-30, 10)), width, int(rng.integers(110, 160))):
            cv2.rectangle(canvas, (left, top), (left + 95, top + 14), (60, 90, 140), -1)
            cv2.line(canvas, (left + 8, top + 14), (left + 8, top + 40), (50, 50, 50), 3)
            cv2.line(canvas, (left + 87, top + 14), (left + 87, top + 40), (50, 50, 50), 3)
    noise = rng.normal(0, 3.0, size=canvas.shape)
    return np.clip(canvas.astype(np.float32) + noise, 0, 255).astype(np.uint8)


@cache
def _portrait_crops() -> tuple[tuple[NDArray[np.uint8], tuple[int, int, int, int]], ...]:
    """(crop, face box inside the crop) for every face of the fixture portraits."""
    crops = []
    for name, boxes in PORTRAIT_FACES.items():
        portrait = np.asarray(fixture_rgb(name), dtype=np.uint8)
        for top, right, bottom, left in boxes:
            pad = round((right - left) * CROP_MARGIN)
            y0, x0 = max(top - pad, 0), max(left - pad, 0)
            y1, x1 = min(bottom + pad, portrait.shape[0]), min(right + pad, portrait.shape[1])
            crops.append((portrait[y0:y1, x0:x1].copy(), (top - y0, right - x0, bottom - y0, left - x0)))
    return tuple(crops)


def _paste(canvas: NDArray[np.uint8], crop: NDArray[np.uint8], top: int, left: int) -> None:
    height, width = crop.shape[:2]
    mask = np.zeros((height, width), dtype=np.float32)
    cv2.ellipse(mask, (width // 2, height // 2), (width // 2 - 1, height // 2 - 1), 0, 0, 360, 1.0, -1)
    feather = max(3, (min(height, width) // 6) | 1)
    alpha = np.asarray(cv2.GaussianBlur(mask, (feather, feather), 0), dtype=np.float32)[..., np.newaxis]
    region = canvas[top : top + height, left : left + width].astype(np.float32)
    canvas[top : top + height, left : left + width] = (crop * alpha + region * (1 - alpha)).astype(np.uint8)


def small_face_scenes(count: int = 20, faces_per_scene: int = 6, seed: int = 12) -> list[Scene]:
    """``count`` scenes of ``faces_per_scene`` faces each, sizes spread evenly over SIZE_BANDS."""
    rng = np.random.default_rng(seed)
    crops = _portrait_crops()
    scenes = []
    for index in range(count):
        canvas = classroom_background(rng)
        taken: list[tuple[int, int, int, int]] = []
        faces = []
        for slot in range(faces_per_scene):
            low, high = SIZE_BANDS[(index * faces_per_scene + slot) % len(SIZE_BANDS)]
            size = int(rng.integers(low, high))
            crop, (top, right, bottom, left) = crops[int(rng.integers(len(crops)))]
            scale = size / (right - left)
            scaled = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            scaled = np.clip(scaled.astype(np.float32) * rng.uniform(0.75, 1.2), 0, 255).astype(np.uint8)
            height, width = scaled.shape[:2]
            for _ in range(200):  # a free place: crops may not overlap, so no face hides another
                y, x = int(rng.integers(0, HEIGHT - height)), int(rng.integers(0, WIDTH - width))
                if all(y + height <= t or t + h <= y or x + width <= lft or lft + w <= x for t, lft, h, w in taken):
                    break
            else:
                continue
            taken.append((y, x, height, width))
            _paste(canvas, scaled, y, x)
            faces.append(
                FaceBox(
                    y + round(top * scale), x + round(right * scale), y + round(bottom * scale), x + round(left * scale)
                )
            )
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        decoded_bgr = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
        assert ok and decoded_bgr is not None
        decoded = cv2.cvtColor(decoded_bgr, cv2.COLOR_BGR2RGB)
        scenes.append(Scene(np.ascontiguousarray(decoded), tuple(faces)))
    return scenes


def count_found(truth: tuple[FaceBox, ...], found: list[FaceBox]) -> tuple[list[bool], int]:
    """For each true face, whether a detection landed on it (its centre inside the true box, its side within half
    to twice the true one); and how many detections landed on no face (false detections)."""
    hit = [False] * len(truth)
    false = 0
    for box in found:
        centre_y, centre_x = (box.top + box.bottom) / 2, (box.left + box.right) / 2
        matched = False
        for index, face in enumerate(truth):
            inside = face.top <= centre_y <= face.bottom and face.left <= centre_x <= face.right
            if inside and 0.5 <= box.size / max(face.size, 1) <= 2.0:
                hit[index] = matched = True
        false += not matched
    return hit, false
