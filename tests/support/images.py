"""Hard-case images generated in code from the committed fixture portraits.

Every generator returns the encoded file as ``bytes`` (what an upload would carry), so engine tests and API tests
can use the same cases; nothing derived is committed as a binary.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FACES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
#: Every fixture photo: six portraits, then two_people.jpg (Obama left, Biden right).
FIXTURE_PHOTOS = (
    "obama.jpg",
    "obama2.jpg",
    "obama_small.jpg",
    "biden.jpg",
    "lin-manuel-miranda.png",
    "alex-lacamoire.png",
    "two_people.jpg",
)

#: Orientation tag value -> the transpose that *stores* an upright picture so that a viewer applying the tag shows
#: it upright again (the inverse of what ImageOps.exif_transpose applies for that value).
_STORE_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
ORIENTATION_TAG = 0x0112


def fixture_path(name: str) -> Path:
    return FACES_DIR / name


@cache
def fixture_bytes(name: str) -> bytes:
    return fixture_path(name).read_bytes()


def fixture_rgb(name: str) -> Image.Image:
    """The fixture as an upright RGB Pillow image (the fixtures carry no rotation; PNG alpha is opaque)."""
    with Image.open(fixture_path(name)) as image:
        return image.convert("RGB")


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    return _encode(image, "PNG")


def jpeg_bytes(image: Image.Image, quality: int = 95) -> bytes:
    return _encode(image, "JPEG", quality=quality)


def encoded_as(name: str, fmt: str) -> bytes:
    """The fixture re-encoded in another format (WEBP, GIF, BMP, TIFF, AVIF...)."""
    return _encode(fixture_rgb(name), fmt)


def exif_rotated_jpeg(name: str = "obama.jpg", orientation: int = 6) -> bytes:
    """A JPEG whose pixels are stored sideways/flipped plus the EXIF tag that makes it upright, like a phone's."""
    upright = fixture_rgb(name)
    transpose = _STORE_FOR_ORIENTATION[orientation]
    stored = upright if transpose is None else upright.transpose(transpose)
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    # Quality 100 without chroma subsampling keeps the re-encoding close to the original pixels.
    return _encode(stored, "JPEG", quality=100, subsampling=0, exif=exif.tobytes())


def grayscale_jpeg(name: str = "obama.jpg") -> bytes:
    return jpeg_bytes(fixture_rgb(name).convert("L"))


def cmyk_jpeg(name: str = "obama.jpg") -> bytes:
    """A CMYK JPEG (print workflows, some scanners); Pillow writes it with Adobe's inverted CMYK convention."""
    return _encode(fixture_rgb(name).convert("CMYK"), "JPEG", quality=100)


def sixteen_bit_png(name: str = "obama.jpg") -> bytes:
    """A 16-bit grayscale PNG holding the 8-bit grayscale photo expanded to 0..65535 (v * 257)."""
    gray = np.asarray(fixture_rgb(name).convert("L"), dtype=np.uint16) * 257
    return png_bytes(Image.fromarray(gray))


def float_tiff(name: str = "obama.jpg", *, low: float = -0.25, high: float = 1.75) -> bytes:
    """A 32-bit float ("F") grayscale TIFF with the photo mapped linearly onto ``low``..``high``."""
    gray = np.asarray(fixture_rgb(name).convert("L"), dtype=np.float32) / 255.0
    return _encode(Image.fromarray((gray * (high - low) + low).astype(np.float32)), "TIFF")


def int32_tiff(name: str = "obama.jpg", *, scale: int = 4000, offset: int = -100_000) -> bytes:
    """A 32-bit signed integer ("I") grayscale TIFF: the photo times ``scale`` plus ``offset``."""
    gray = np.asarray(fixture_rgb(name).convert("L"), dtype=np.int32)
    return _encode(Image.fromarray((gray * scale + offset).astype(np.int32)), "TIFF")


def rgba_png_with_transparency(name: str = "obama.jpg") -> bytes:
    """RGBA PNG: an opaque ellipse around the middle, fully transparent black everywhere else."""
    image = fixture_rgb(name).convert("RGBA")
    width, height = image.size
    alpha = Image.new("L", image.size, 0)
    ImageDraw.Draw(alpha).ellipse((width * 0.1, height * 0.05, width * 0.9, height * 0.95), fill=255)
    black = Image.new("RGBA", image.size, (0, 0, 0, 0))
    image = Image.composite(image, black, alpha)  # hidden pixels really are black, as many editors leave them
    image.putalpha(alpha)
    return png_bytes(image)


def palette_png(name: str = "obama.jpg", *, transparent_corner: bool = False) -> bytes:
    """A 256-colour palette PNG; optionally with a tRNS-transparent index painted over the top-left corner."""
    image = fixture_rgb(name).convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    if not transparent_corner:
        return png_bytes(image)
    palette = (image.getpalette() or [])[: 255 * 3]
    image.putpalette(palette + [0] * (256 * 3 - len(palette)))  # index 255: black, declared transparent below
    image.paste(255, (0, 0, 40, 40))
    return _encode(image, "PNG", transparency=255)


def truncated_jpeg(name: str = "obama.jpg", keep: float = 0.5) -> bytes:
    data = fixture_bytes(name)
    return data[: int(len(data) * keep)]


def text_file() -> bytes:
    return b"registration,name,present\n2024001,Ana Souza,yes\n"


def empty_bytes() -> bytes:
    return b""


def eps_file() -> bytes:
    """An Encapsulated PostScript drawing: Pillow can read it, but only by running Ghostscript on it."""
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\n%%EndComments\n"
        b"newpath 0 0 moveto 64 64 lineto stroke\nshowpage\n%%EOF\n"
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@cache
def blank_png(width: int, height: int, *, bit_depth: int = 8, valid_data: bool = True) -> bytes:
    """A black grayscale PNG of any declared size, written by hand so no big image is ever held in memory.

    Highly compressible: 20000x20000 at 1 bit is ~50 MB of pixel data in a ~60 kB file. With ``valid_data=False``
    the pixel stream is garbage, which a loader only notices if it decodes.
    """
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    if valid_data:
        row = b"\x00" * (1 + (width * bit_depth + 7) // 8)  # filter byte + packed zero pixels
        compressor = zlib.compressobj(9)
        parts = [compressor.compress(row) for _ in range(height)]
        parts.append(compressor.flush())
        data = b"".join(parts)
    else:
        data = zlib.compress(b"\xff" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def decompression_bomb() -> bytes:
    """20000 x 20000 1-bit PNG (400 megapixels) in a few tens of kilobytes."""
    return blank_png(20_000, 20_000, bit_depth=1)


def huge_image(width: int = 8_000, height: int = 6_000) -> bytes:
    """48 megapixels: over the engine's default cap, under Pillow's own bomb warning (89 MP)."""
    return blank_png(width, height)


def blurred_face(name: str = "obama.jpg", sigma: float = 4.0) -> bytes:
    """The portrait with a Gaussian blur of ``sigma`` pixels (PIL's radius is the standard deviation)."""
    return png_bytes(fixture_rgb(name).filter(ImageFilter.GaussianBlur(radius=sigma)))


def tiny_face(name: str = "obama.jpg", scale: float = 0.2) -> bytes:
    """The portrait shrunk by ``scale`` (obama.jpg's 267 px face becomes ~53 px at 0.2)."""
    image = fixture_rgb(name)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return png_bytes(image.resize(size, Image.Resampling.LANCZOS))


def two_faces(left: str = "obama.jpg", right: str = "biden.jpg", height: int = 600) -> bytes:
    """Two portraits side by side on one canvas, both scaled to ``height``: ``left`` is on the left."""
    parts = []
    for name in (left, right):
        image = fixture_rgb(name)
        parts.append(image.resize((round(image.width * height / image.height), height), Image.Resampling.LANCZOS))
    canvas = Image.new("RGB", (sum(part.width for part in parts), height), "white")
    canvas.paste(parts[0], (0, 0))
    canvas.paste(parts[1], (parts[0].width, 0))
    return jpeg_bytes(canvas)


def enlarged(name: str, factor: int) -> bytes:
    """The fixture scaled up by an integer factor (a high-resolution camera's view of the same scene)."""
    image = fixture_rgb(name)
    return jpeg_bytes(image.resize((image.width * factor, image.height * factor), Image.Resampling.BICUBIC))
