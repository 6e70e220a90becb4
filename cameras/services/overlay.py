"""Drawing what the processor saw (face boxes and names) onto the frames the relay shows."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from numpy.typing import NDArray

#: JPEG quality of relayed frames: ~70 keeps a 640x360 frame near 30 kB, ample for watching a classroom.
JPEG_QUALITY = 70
#: Wider frames are shrunk before encoding: the relay is a preview, not a recording.
MAX_WIDTH = 960

_KNOWN = (46, 204, 64)  # RGB green
_UNKNOWN = (255, 65, 54)  # RGB red
_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class Label:
    top: int
    right: int
    bottom: int
    left: int
    text: str  # the student's name, or "?" for an unknown face
    known: bool


def ascii_text(text: str) -> str:
    """OpenCV's Hershey fonts only draw ASCII: "João" becomes "Joao" rather than "Jo??o"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "replace").decode()


def annotate(frame_rgb: NDArray[np.uint8], labels: Iterable[Label]) -> bytes:
    """The frame as a JPEG with each face boxed and named (green: recognised, red: unknown)."""
    scale = 1.0
    if frame_rgb.shape[1] > MAX_WIDTH:
        scale = MAX_WIDTH / frame_rgb.shape[1]
        size = (MAX_WIDTH, round(frame_rgb.shape[0] * scale))
        image: NDArray[np.uint8] = np.asarray(cv2.resize(frame_rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    else:
        image = np.array(frame_rgb, dtype=np.uint8, order="C")  # a copy: never draw on the pipeline's frame
    thickness = max(1, round(image.shape[1] / 400))
    for label in labels:
        colour = _KNOWN if label.known else _UNKNOWN
        top, left = round(label.top * scale), round(label.left * scale)
        bottom, right = round(label.bottom * scale), round(label.right * scale)
        cv2.rectangle(image, (left, top), (right, bottom), colour, thickness)
        text = ascii_text(label.text)
        font_scale = 0.5 * thickness
        (width, height), baseline = cv2.getTextSize(text, _FONT, font_scale, thickness)
        y = bottom + height + baseline + 2 if top - height - baseline - 2 < 0 else top - 2
        cv2.rectangle(image, (left, y - height - baseline), (left + width + 4, y + 2), colour, cv2.FILLED)
        cv2.putText(image, text, (left + 2, y - baseline + 1), _FONT, font_scale, (255, 255, 255), thickness)
    return encode_jpeg(image)


def encode_jpeg(image_rgb: NDArray[np.uint8]) -> bytes:
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


@cache
def placeholder_jpeg(text: str, width: int = 640, height: int = 360) -> bytes:
    """A dark frame with `text` in the middle, shown while a camera has no live picture."""
    image = np.full((height, width, 3), 40, dtype=np.uint8)
    text = ascii_text(text)
    (text_width, text_height), _baseline = cv2.getTextSize(text, _FONT, 1.0, 2)
    origin = ((width - text_width) // 2, (height + text_height) // 2)
    cv2.putText(image, text, origin, _FONT, 1.0, (200, 200, 200), 2)
    return encode_jpeg(image)
