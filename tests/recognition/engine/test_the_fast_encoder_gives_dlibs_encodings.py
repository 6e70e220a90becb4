"""The onnxruntime encoder gives face_recognition's encodings (L2 <= 1e-4), converts once and survives a bad cache.

Every face of the fixture photos is encoded in 16 variants (crops, scales 0.5-1.5, rotations of +-8 and +-15
degrees, grey, two noise levels, shifted boxes): 128 faces. The variants' boxes are the detected box carried through
the same transform (the landmark predictor only needs a face-sized box), so detection stays out of the comparison.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import face_recognition
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import FaceBox
from recognition.engine import fast_encoder as fast_encoder_module
from recognition.engine.fast_encoder import FastEncoder, FastEncoderError, default_model_path, read_dlib_network
from tests.recognition.engine.conftest import PORTRAITS, Face

PHOTOS = (*PORTRAITS, "two_people.jpg")
MAX_DISTANCE = 1e-4
MIN_FACES = 100

Image = NDArray[np.uint8]
Variant = tuple[str, Image, list[FaceBox]]


@pytest.fixture(scope="session")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> FastEncoder:
    return FastEncoder(cache_dir=tmp_path_factory.mktemp("encoder-cache"))


def dlib_encodings(image: Image, boxes: list[FaceBox]) -> NDArray[np.float64]:
    encodings = face_recognition.face_encodings(image, [box.as_tuple() for box in boxes])
    return np.asarray(encodings, dtype=np.float64).reshape(len(boxes), 128)


def centred(box: FaceBox, x: float, y: float) -> FaceBox:
    """A box of ``box``'s size centred on (x, y)."""
    left, top = round(x - box.width / 2), round(y - box.height / 2)
    return FaceBox(top, left + box.width, top + box.height, left)


def variants(image: Image, boxes: list[FaceBox]) -> Iterator[Variant]:
    height, width = image.shape[:2]
    yield "original", image, boxes
    first = boxes[0]
    for label, margin in (("tight crop", 0.6), ("loose crop", 1.5)):
        crop = first.grown(margin).clipped(height, width)
        yield (
            label,
            np.ascontiguousarray(image[crop.top : crop.bottom, crop.left : crop.right]),
            [first.moved(-crop.top, -crop.left)],
        )
    for factor in (0.5, 0.75, 1.25, 1.5):
        size = (round(width * factor), round(height * factor))
        scaled = cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
        yield f"scale {factor}", scaled, [box.scaled(factor) for box in boxes]
    for angle in (-15, -8, 8, 15):
        centre = ((first.left + first.right) / 2, (first.top + first.bottom) / 2)
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        moved = []
        for box in boxes:
            x, y = matrix @ np.array([(box.left + box.right) / 2, (box.top + box.bottom) / 2, 1.0])
            moved.append(centred(box, x, y))
        yield f"rotated {angle}", rotated, moved
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    yield "grey", grey, boxes
    rng = np.random.default_rng(12)
    for sigma in (6.0, 16.0):
        noise = rng.normal(0.0, sigma, image.shape)
        yield f"noise {sigma:g}", np.clip(image + noise, 0, 255).astype(np.uint8), boxes
    for label, dx, dy in (("box shifted left-up", -0.08, -0.08), ("box shifted right-down", 0.1, 0.06)):
        shifted = [box.moved(round(box.height * dy), round(box.width * dx)).clipped(height, width) for box in boxes]
        yield label, image, shifted


@pytest.fixture(scope="session")
def photo_variants(
    fixture_image: Callable[[str], Image], fixture_faces: Callable[[str], list[Face]]
) -> Callable[[str], list[Variant]]:
    def get(name: str) -> list[Variant]:
        boxes = [box for box, _encoding in fixture_faces(name)]
        return list(variants(fixture_image(name), boxes))

    return get


def test_at_least_a_hundred_faces_are_compared(photo_variants: Callable[[str], list[Variant]]) -> None:
    counts = {name: sum(len(boxes) for _label, _image, boxes in photo_variants(name)) for name in PHOTOS}

    assert all(counts.values()), counts  # every photo has its faces
    assert sum(counts.values()) >= MIN_FACES, counts


@pytest.mark.parametrize("name", PHOTOS)
def test_every_variant_of_a_photo_encodes_as_dlib_does(
    name: str, encoder: FastEncoder, photo_variants: Callable[[str], list[Variant]]
) -> None:
    worst = (0.0, "")
    for label, image, boxes in photo_variants(name):
        fast = encoder.encode(image, boxes)  # all faces of the image in one batch
        expected = dlib_encodings(image, boxes)
        assert fast.shape == expected.shape and fast.dtype == np.float64
        for index, distance in enumerate(np.linalg.norm(fast - expected, axis=1)):
            worst = max(worst, (float(distance), f"{label}, face {index}"))
    assert worst[0] <= MAX_DISTANCE, f"{name}: L2 {worst[0]:.2e} on {worst[1]}"


def test_a_batch_of_chips_gives_each_chip_its_own_encoding(
    encoder: FastEncoder, fixture_image: Callable[[str], Image], fixture_faces: Callable[[str], list[Face]]
) -> None:
    chips = []
    expected = []
    for name in PHOTOS:
        image = fixture_image(name)
        boxes = [box for box, _encoding in fixture_faces(name)]
        chips.append(encoder.chips(image, boxes))
        expected.append(dlib_encodings(image, boxes))

    batch = encoder.encode_chips(np.concatenate(chips))
    one_by_one = np.vstack([encoder.encode_chips(chip[None]) for chip in np.concatenate(chips)])

    assert batch.shape == (len(np.concatenate(chips)), 128)
    assert np.linalg.norm(batch - np.vstack(expected), axis=1).max() <= MAX_DISTANCE
    assert np.abs(batch - one_by_one).max() <= 1e-6
    assert encoder.encode_chips([]).shape == (0, 128)
    assert encoder.encode(fixture_image("obama.jpg"), []).shape == (0, 128)


def test_the_reader_finds_dlibs_network_in_the_model_file() -> None:
    network = read_dlib_network()

    # 29 convolutions (filters and biases), 29 affine layers (gamma and beta) and the 256x128 fc_no_bias.
    assert network.parameter_count == 5_614_592
    assert network.input_size == 150
    assert np.allclose(network.mean_rgb, (122.782, 117.001, 104.298), atol=1e-4)
    kinds = [layer.op.kind for layer in network.layers]
    assert (kinds.count("con"), kinds.count("affine"), kinds.count("add_prev"), kinds[-1]) == (29, 29, 14, "fc")
    # dlib's default padding: 0 for strided convolutions, k // 2 otherwise.
    for layer in network.layers:
        if layer.op.kind == "con":
            assert layer.padding == ((0, 0) if layer.stride != (1, 1) else (layer.window[0] // 2,) * 2)


def test_the_second_build_reuses_the_cached_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = FastEncoder(cache_dir=tmp_path)
    assert first.converted and first.cache_path.is_file()
    assert first.source_sha256[:32] in first.cache_path.name

    def no_conversion(*args: object, **kwargs: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(fast_encoder_module, "read_dlib_network", no_conversion)
    second = FastEncoder(cache_dir=tmp_path)

    assert not second.converted
    chip = np.full((1, 150, 150, 3), 128, dtype=np.uint8)
    assert np.array_equal(first.encode_chips(chip), second.encode_chips(chip))


@pytest.mark.parametrize("damage", ["truncated", "one byte flipped", "garbage"])
def test_a_corrupt_cache_file_is_rebuilt(
    damage: str, tmp_path: Path, fixture_image: Callable[[str], Image], fixture_faces: Callable[[str], list[Face]]
) -> None:
    path = FastEncoder(cache_dir=tmp_path).cache_path
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "one byte flipped":  # still a loadable model, with one weight changed
        data[len(data) // 2] ^= 0x40
    else:
        data = bytearray(b"not a model")
    path.write_bytes(bytes(data))

    rebuilt = FastEncoder(cache_dir=tmp_path)

    assert rebuilt.converted
    image = fixture_image("obama.jpg")
    boxes = [box for box, _encoding in fixture_faces("obama.jpg")]
    assert np.linalg.norm(rebuilt.encode(image, boxes) - dlib_encodings(image, boxes)) <= MAX_DISTANCE
    assert not FastEncoder(cache_dir=tmp_path).converted  # the rebuilt file is good again


@pytest.mark.parametrize("cut", [0.0, 0.3, 0.999])
def test_a_model_file_that_is_not_the_network_is_refused(cut: float, tmp_path: Path) -> None:
    source = default_model_path().read_bytes()
    broken = tmp_path / "model.dat"
    broken.write_bytes(source[: int(len(source) * cut)] if cut else b"\x01\x02" + source[100:5000])

    with pytest.raises(FastEncoderError):
        FastEncoder(cache_dir=tmp_path / "cache", model_path=broken)


def test_another_dlib_model_file_is_refused(tmp_path: Path) -> None:
    import face_recognition_models

    with pytest.raises(FastEncoderError):
        FastEncoder(
            cache_dir=tmp_path, model_path=Path(face_recognition_models.pose_predictor_five_point_model_location())
        )


def test_importing_the_module_loads_no_onnx() -> None:
    code = (
        "import sys, recognition.engine.fast_encoder; "
        "print(sorted(m for m in ('onnx', 'onnxruntime') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_threads_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="threads"):
        FastEncoder(cache_dir=tmp_path, threads=0)
