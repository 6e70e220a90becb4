"""Turning untrusted uploads into RGB arrays the face models can use.

Everything a browser or a phone can send ends up here, so the loader is defensive: the size declared in the header
is checked before any pixel is decoded, broken files become :class:`ImageRejected` instead of random Pillow
exceptions, and every colour mode is normalised to 8-bit RGB.
"""

from __future__ import annotations

import io
import os
import struct
from functools import cache
from typing import BinaryIO

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageRejected, RejectionCode

__all__ = ["ALLOWED_FORMATS", "DEFAULT_MAX_PIXELS", "ImageSource", "RGBImage", "downscale", "load_image"]

#: 40 megapixels: above every common phone/DSLR default (12-24 MP, some 48-50 MP "full resolution" modes are
#: refused) while bounding the decoded RGB array to 120 MB per request.
DEFAULT_MAX_PIXELS = 40_000_000

RGBImage = NDArray[np.uint8]
ImageSource = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

# Modes that carry an alpha channel; transparent pixels are composited on white, because the colour hidden under
# alpha 0 is arbitrary (often black) and would otherwise paint dark blobs around cut-out portraits.
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
# Modes where a single colour/index can be declared transparent through info["transparency"] (PNG tRNS, GIF).
_KEYED_TRANSPARENCY_MODES = frozenset({"P", "L", "RGB", "1"})
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
# Formats a camera, phone or browser produces (the JPEG opener also covers multi-picture MPO files). Pillow would
# otherwise also try EPS (which runs Ghostscript on untrusted input), PSD and many legacy formats; none of them
# belongs in an attendance upload. AVIF only where this Pillow build has it.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "GIF", "BMP", "TIFF", "PPM")

# What Pillow raises on damaged input varies by plugin; all of these mean "not a usable image".
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)


def load_image(source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> RGBImage:
    """Decode ``source`` into a C-contiguous RGB ``uint8`` array of shape (H, W, 3), upright per its EXIF tag.

    ``source`` is the file content (bytes), a path, or a binary file object (read from its start). Raises
    :class:`ImageRejected` with ``NOT_AN_IMAGE`` for empty, unreadable or truncated files and ``TOO_LARGE`` when
    the header declares more than ``max_pixels`` pixels (checked before decoding) or Pillow flags a
    decompression bomb. A path that does not exist raises the usual ``OSError``: that is a caller bug, not bad input.
    """
    if max_pixels <= 0:
        raise ValueError("max_pixels must be positive")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _load_from_stream(io.BytesIO(bytes(source)), max_pixels)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return _load_from_stream(handle, max_pixels)
    stream: BinaryIO = source
    if not stream.seekable():
        # Pillow needs to seek (it probes several formats from offset 0); spool non-seekable streams.
        stream = io.BytesIO(stream.read())
    return _load_from_stream(stream, max_pixels)


class _EndOfDataWatch:
    """Read-only view of a stream that remembers whether a read came back empty while ``watching``.

    Pillow's ImageFile.LOAD_TRUNCATED_IMAGES is process-global and face_recognition sets it to True on import,
    after which Pillow silently pads truncated files with grey. A decoder that asks for more data and gets nothing
    is exactly what truncation looks like (complete files end their decode before reaching EOF; checked on JPEG,
    PNG, GIF, BMP, TIFF, PPM), so this flags truncation without touching the global.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.watching = False
        self.hit_end = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if self.watching and not data and size != 0:
            self.hit_end = True
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        if self.watching and not data and size != 0:
            self.hit_end = True
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


def _load_from_stream(stream: BinaryIO, max_pixels: int) -> RGBImage:
    stream.seek(0)
    if not stream.read(1):
        raise ImageRejected(RejectionCode.NOT_AN_IMAGE, "the file is empty")
    stream.seek(0)
    watch = _EndOfDataWatch(stream)
    try:
        # Image.open only parses the header, so the size check below happens before any pixel is decoded. Pillow's
        # own guard (Image.MAX_IMAGE_PIXELS, process-global, 89 MP by default) may fire first on absurd sizes; we
        # neither rely on it nor change it.
        with Image.open(watch, formats=_available_formats()) as image:  # type: ignore[arg-type]  # duck-typed
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(
                    RejectionCode.TOO_LARGE,
                    f"image has {width * height} pixels ({width}x{height}), the limit is {max_pixels}",
                )
            if width <= 0 or height <= 0:
                raise ImageRejected(RejectionCode.NOT_AN_IMAGE, f"image declares an empty size {width}x{height}")
            watch.watching = True
            image.load()
            watch.watching = False
            if watch.hit_end:
                raise ImageRejected(RejectionCode.NOT_AN_IMAGE, "the file is truncated")
            upright = _exif_upright(image)
            return _to_rgb_array(upright)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning is only raised as an exception when warnings are turned into errors (e.g. under pytest -W).
        raise ImageRejected(
            RejectionCode.TOO_LARGE, "the declared image size is too large (possible decompression bomb)"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected(RejectionCode.NOT_AN_IMAGE, "the file is not an image in a supported format") from exc
    except _DECODE_ERRORS as exc:
        if "truncated" in str(exc).lower():
            raise ImageRejected(RejectionCode.NOT_AN_IMAGE, "the file is truncated") from exc
        raise ImageRejected(RejectionCode.NOT_AN_IMAGE, f"the image could not be decoded ({exc})") from exc


@cache
def _available_formats() -> tuple[str, ...]:
    # Image.open raises KeyError for a format whose plugin is not registered, so ask Pillow what it has.
    Image.init()
    return tuple(name for name in ALLOWED_FORMATS if name in Image.OPEN)


def _exif_upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF Orientation tag (phones store sensor-oriented pixels plus a tag)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block must not cost the user a perfectly good photo
        return image


def _to_rgb_array(image: Image.Image) -> RGBImage:
    mode = image.mode
    if mode == "RGB" and "transparency" not in image.info:
        rgb = np.asarray(image)
    elif mode in _SIXTEEN_BIT_MODES:
        # Pillow's convert("RGB"/"L") clips 16-bit values at 255 (a white picture). Divide by 257 instead: it maps
        # 0..65535 onto 0..255 and exactly inverts the usual 8->16 bit expansion (v * 257).
        values = np.asarray(image).astype(np.uint32)
        rgb = _gray_to_rgb(((values + 128) // 257).astype(np.uint8))
    elif mode in ("I", "F"):
        # 32-bit integer / float pixels have no nominal range (HDR, scientific TIFFs, old 16-bit PNG decoding), so
        # stretch the actual range to 0..255; contrast stretching does not hurt face detection.
        rgb = _gray_to_rgb(_stretch_to_uint8(np.asarray(image, dtype=np.float64)))
    elif mode in _ALPHA_MODES or (mode in _KEYED_TRANSPARENCY_MODES and "transparency" in image.info):
        rgb = _composite_on_white(np.asarray(image.convert("RGBA")))
    else:
        # L, 1, P, CMYK (Pillow also undoes Adobe's inverted CMYK JPEGs), YCbCr, RGBX...
        try:
            converted = image.convert("RGB")
        except ValueError as exc:
            raise ImageRejected(RejectionCode.NOT_AN_IMAGE, f"unsupported colour mode {mode}") from exc
        rgb = np.asarray(converted)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ImageRejected(RejectionCode.NOT_AN_IMAGE, f"unsupported colour mode {mode}")
    # Arrays built from Pillow buffers are read-only; callers (and dlib) get a private, writable, C-ordered copy.
    if not rgb.flags.writeable or not rgb.flags.c_contiguous:
        rgb = np.array(rgb, dtype=np.uint8, order="C", copy=True)
    return rgb


def _gray_to_rgb(gray: NDArray[np.uint8]) -> RGBImage:
    return np.ascontiguousarray(np.repeat(gray[:, :, np.newaxis], 3, axis=2))


def _stretch_to_uint8(values: NDArray[np.float64]) -> NDArray[np.uint8]:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    low = float(values[finite].min())
    high = float(values[finite].max())
    values = np.where(finite, values, low)
    if high <= low:
        return np.full(values.shape, int(np.clip(round(low), 0, 255)), dtype=np.uint8)
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _composite_on_white(rgba: NDArray[np.uint8]) -> RGBImage:
    colour = rgba[:, :, :3].astype(np.uint32)
    alpha = rgba[:, :, 3:4].astype(np.uint32)
    # Integer "over" operator on a white background, rounded: c*a/255 + 255*(1 - a/255).
    blended = (colour * alpha + 255 * (255 - alpha) + 127) // 255
    return np.ascontiguousarray(blended.astype(np.uint8))


def downscale(image: RGBImage, max_side: int) -> tuple[RGBImage, float]:
    """Shrink ``image`` so its longest side is at most ``max_side``; returns (image, scale = new / old size).

    Returns the very same array and 1.0 when it is already small enough. INTER_AREA is the resampling that does not
    alias when shrinking, which matters for the HOG detector's gradients.
    """
    if max_side <= 0:
        raise ValueError("max_side must be positive")
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = cv2.resize(image, new_size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(resized), scale
