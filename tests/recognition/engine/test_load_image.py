"""load_image turns any upload into an upright RGB uint8 array, or refuses it with a precise reason."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageFile

from recognition.engine import DEFAULT_MAX_PIXELS, ImageRejected, RejectionCode, downscale, load_image
from tests.support import images

ALL_FIXTURE_PHOTOS = [
    "obama.jpg",
    "obama2.jpg",
    "obama_small.jpg",
    "biden.jpg",
    "two_people.jpg",
    "lin-manuel-miranda.png",
    "alex-lacamoire.png",
]


def upright_obama() -> NDArray[np.int16]:
    return np.asarray(images.fixture_rgb("obama.jpg"), dtype=np.int16)


def mean_abs_diff(a: NDArray[np.uint8], b: NDArray[np.int16]) -> float:
    assert a.shape == b.shape
    return float(np.abs(a.astype(np.int16) - b).mean())


def assert_rgb_array(image: NDArray[np.uint8]) -> None:
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3
    assert image.flags.c_contiguous and image.flags.writeable


def rejection(data: bytes, **kwargs: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        load_image(data, **kwargs)
    return caught.value


@pytest.mark.parametrize("name", ALL_FIXTURE_PHOTOS)
def test_every_fixture_photo_loads_as_a_contiguous_rgb_uint8_array(name: str) -> None:
    image = load_image(images.fixture_bytes(name))

    assert_rgb_array(image)
    with Image.open(images.fixture_path(name)) as original:
        assert image.shape[:2] == (original.height, original.width)


@pytest.mark.parametrize(
    ("fmt", "max_diff"), [("WEBP", 8), ("GIF", 12), ("BMP", 0), ("TIFF", 0), ("AVIF", 8), ("PPM", 0)]
)
def test_the_formats_browsers_and_phones_send_are_decoded(fmt: str, max_diff: float) -> None:
    if fmt not in Image.registered_extensions().values():
        pytest.skip(f"this Pillow build has no {fmt} support")
    original = np.asarray(images.fixture_rgb("obama_small.jpg"), dtype=np.int16)

    loaded = load_image(images.encoded_as("obama_small.jpg", fmt))

    assert mean_abs_diff(loaded, original) <= max_diff


def test_bytes_paths_and_file_objects_give_the_same_pixels() -> None:
    path = images.fixture_path("obama_small.jpg")
    data = path.read_bytes()

    class NonSeekable(io.RawIOBase):
        def __init__(self) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            return self._inner.readinto(buffer)

    reference = load_image(data)
    for source in (path, str(path), io.BytesIO(data), NonSeekable(), bytearray(data), memoryview(data)):
        np.testing.assert_array_equal(load_image(source), reference)  # type: ignore[arg-type]


def test_a_missing_path_is_a_caller_error_not_a_rejection(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "nope.jpg")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_so_phone_photos_come_out_upright(orientation: int) -> None:
    data = images.exif_rotated_jpeg("obama.jpg", orientation)
    with Image.open(io.BytesIO(data)) as stored:
        stored_size = stored.size

    loaded = load_image(data)

    if orientation >= 5:  # the stored pixels really are sideways, so ignoring the tag would change the shape
        assert stored_size == (loaded.shape[0], loaded.shape[1])
    assert mean_abs_diff(loaded, upright_obama()) < 1.0


def test_grayscale_jpeg_becomes_three_equal_channels() -> None:
    loaded = load_image(images.grayscale_jpeg())

    assert_rgb_array(loaded)
    np.testing.assert_array_equal(loaded[:, :, 0], loaded[:, :, 1])
    np.testing.assert_array_equal(loaded[:, :, 0], loaded[:, :, 2])
    gray = np.asarray(images.fixture_rgb("obama.jpg").convert("L"), dtype=np.int16)
    assert np.abs(loaded[:, :, 0].astype(np.int16) - gray).mean() < 2.0


def test_cmyk_jpeg_comes_back_with_the_original_colours() -> None:
    assert mean_abs_diff(load_image(images.cmyk_jpeg()), upright_obama()) < 2.0


def test_sixteen_bit_png_is_scaled_to_the_full_8_bit_range_instead_of_clipped_to_white() -> None:
    with Image.open(io.BytesIO(images.sixteen_bit_png())) as raw:
        assert raw.mode == "I;16"  # the case Pillow's plain convert("RGB") clips to 255

    loaded = load_image(images.sixteen_bit_png())

    gray = np.asarray(images.fixture_rgb("obama.jpg").convert("L"), dtype=np.int16)
    assert (loaded != 255).mean() > 0.9
    assert loaded.min() == gray.min() and loaded.max() == gray.max()
    assert np.abs(loaded[:, :, 1].astype(np.int16) - gray).max() == 0  # v * 257 / 257 is exact


@pytest.mark.parametrize("generate", [images.float_tiff, images.int32_tiff], ids=["float F", "int32 I"])
def test_float_and_32_bit_integer_images_are_stretched_to_0_255(generate: object) -> None:
    assert callable(generate)
    loaded = load_image(generate())

    gray = np.asarray(images.fixture_rgb("obama.jpg").convert("L"), dtype=np.float64)
    expected = np.rint((gray - gray.min()) * 255.0 / (gray.max() - gray.min()))
    assert loaded.min() == 0 and loaded.max() == 255
    assert np.abs(loaded[:, :, 2] - expected).max() <= 1


def test_transparent_pixels_of_an_rgba_png_are_composited_on_white() -> None:
    loaded = load_image(images.rgba_png_with_transparency())

    original = upright_obama()
    height, width = loaded.shape[:2]
    assert (loaded[0, 0] == 255).all() and (loaded[height - 1, width - 1] == 255).all()  # were transparent black
    centre = (slice(height // 2 - 50, height // 2 + 50), slice(width // 2 - 50, width // 2 + 50))
    np.testing.assert_array_equal(loaded[centre], original[centre])  # opaque pixels are untouched


def test_palette_png_loads_with_its_colours() -> None:
    assert mean_abs_diff(load_image(images.palette_png()), upright_obama()) < 6.0


def test_palette_png_transparent_index_becomes_white() -> None:
    loaded = load_image(images.palette_png(transparent_corner=True))

    assert (loaded[:40, :40] == 255).all()
    assert not (loaded[40:80, 40:80] == 255).all()


@pytest.mark.parametrize("load_truncated_images", [True, False])
def test_a_truncated_jpeg_is_refused_even_when_pillow_is_told_to_accept_truncated_files(
    load_truncated_images: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # face_recognition sets this process-global flag to True when imported; the loader must not depend on it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", load_truncated_images)

    refused = rejection(images.truncated_jpeg())

    assert refused.code is RejectionCode.NOT_AN_IMAGE
    assert refused.detail == "the file is truncated"


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_a_truncated_png_is_refused(keep: float) -> None:
    data = images.png_bytes(images.fixture_rgb("obama_small.jpg"))

    assert rejection(data[: int(len(data) * keep)]).code is RejectionCode.NOT_AN_IMAGE


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (images.text_file(), "the file is not an image in a supported format"),
        (images.empty_bytes(), "the file is empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, None),
        (images.eps_file(), "the file is not an image in a supported format"),
    ],
    ids=["text file", "empty", "png signature then garbage", "postscript (would run Ghostscript)"],
)
def test_things_that_are_not_images_are_refused_as_not_an_image(data: bytes, detail: str | None) -> None:
    refused = rejection(data)

    assert refused.code is RejectionCode.NOT_AN_IMAGE
    if detail is not None:
        assert refused.detail == detail


def test_a_decompression_bomb_is_refused_as_too_large() -> None:
    data = images.decompression_bomb()
    assert len(data) < 100_000  # a small file...

    assert rejection(data).code is RejectionCode.TOO_LARGE  # ...declaring 400 megapixels


def test_the_pixel_cap_is_checked_on_the_header_without_relying_on_pillows_global_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's own bomb check switched off

    refused = rejection(images.decompression_bomb())

    assert refused.code is RejectionCode.TOO_LARGE
    assert refused.detail == f"image has 400000000 pixels (20000x20000), the limit is {DEFAULT_MAX_PIXELS}"


def test_the_size_is_refused_before_any_pixel_is_decoded() -> None:
    # The pixel data is garbage: a loader that decoded first would call this NOT_AN_IMAGE (or run out of memory).
    garbage = images.blank_png(9_000, 9_000, valid_data=False)

    assert rejection(garbage).code is RejectionCode.TOO_LARGE


def test_an_image_over_the_pixel_cap_is_refused_with_its_size_in_the_detail() -> None:
    refused = rejection(images.huge_image(8_000, 6_000))

    assert refused.code is RejectionCode.TOO_LARGE
    assert "48000000 pixels" in refused.detail and str(DEFAULT_MAX_PIXELS) in refused.detail


def test_the_pixel_cap_is_a_per_call_argument_and_leaves_pillows_global_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    small = images.fixture_bytes("obama_small.jpg")  # 320 x 240 = 76800 pixels

    assert load_image(small, max_pixels=76_800).shape == (240, 320, 3)
    assert rejection(small, max_pixels=76_799).code is RejectionCode.TOO_LARGE
    assert Image.MAX_IMAGE_PIXELS == before


def test_rejections_survive_pickling_with_their_code_and_detail() -> None:
    original = rejection(images.text_file())

    copy = pickle.loads(pickle.dumps(original))

    assert (copy.code, copy.detail) == (original.code, original.detail)


def test_downscale_returns_the_same_array_when_the_image_is_already_small() -> None:
    image = load_image(images.fixture_bytes("obama_small.jpg"))

    same, scale = downscale(image, 320)

    assert same is image and scale == 1.0


def test_downscale_shrinks_the_longest_side_to_the_limit_and_reports_the_factor() -> None:
    image = load_image(images.fixture_bytes("biden.jpg"))  # 970 wide, 2204 high

    small, scale = downscale(image, 1000)

    assert small.shape == (1000, round(970 * 1000 / 2204), 3)
    assert scale == pytest.approx(1000 / 2204)
    assert small.dtype == np.uint8 and small.flags.c_contiguous
