"""Face boxes: the one geometry every part of Chamada shares (models, views, the engine).

Kept apart from detection so that importing a box (``recognition.models`` does, at Django start-up) loads neither
dlib nor OpenCV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FaceBox"]


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
