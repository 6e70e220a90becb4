"""FaceDetector finds faces on a downscaled copy, reports them in original coordinates and encodes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import FaceBox, FaceDetector, load_image
from recognition.engine import detection as detection_module
from tests.recognition.engine.conftest import PORTRAITS, Face
from tests.support import images

ImageGetter = Callable[[str], NDArray[np.uint8]]
FacesGetter = Callable[[str], list[Face]]


def iou(a: FaceBox, b: FaceBox) -> float:
    inter = FaceBox(max(a.top, b.top), min(a.right, b.right), min(a.bottom, b.bottom), max(a.left, b.left))
    overlap = inter.area if inter.width > 0 and inter.height > 0 else 0
    return overlap / (a.area + b.area - overlap)


def distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)))


def test_face_box_measures_itself_and_converts_between_coordinate_systems() -> None:
    box = FaceBox(top=10, right=110, bottom=90, left=30)

    assert (box.width, box.height, box.area, box.size) == (80, 80, 6400, 80)
    assert box.as_tuple() == (10, 110, 90, 30)
    assert box.to_dict() == {"top": 10, "right": 110, "bottom": 90, "left": 30}
    assert box.scaled(2.5) == FaceBox(25, 275, 225, 75)
    assert FaceBox(-5, 130, 95, -2).clipped(height=90, width=120) == FaceBox(0, 120, 90, 0)
    assert FaceBox(10, 60, 30, 20).size == 20  # the smaller side


@pytest.mark.parametrize("name", PORTRAITS)
def test_each_portrait_has_exactly_one_face_with_a_128_float32_encoding(name: str, fixture_faces: FacesGetter) -> None:
    faces = fixture_faces(name)

    assert len(faces) == 1
    box, encoding = faces[0]
    assert box.size > 100
    assert encoding.shape == (128,) and encoding.dtype == np.float32
    assert 1.2 < np.linalg.norm(encoding) < 1.7  # dlib encodings are not unit vectors; these norms are typical


def test_two_people_are_found_largest_first_with_obama_on_the_left(fixture_faces: FacesGetter) -> None:
    faces = fixture_faces("two_people.jpg")
    obama = fixture_faces("obama.jpg")[0][1]
    biden = fixture_faces("biden.jpg")[0][1]

    assert len(faces) == 2
    assert faces[0][0].area >= faces[1][0].area
    (left_box, left_encoding), (right_box, right_encoding) = sorted(faces, key=lambda face: face[0].left)
    assert left_box.right <= right_box.left
    assert distance(left_encoding, obama) < 0.5 < distance(left_encoding, biden)
    assert distance(right_encoding, biden) < 0.5 < distance(right_encoding, obama)


def test_obama2_is_within_tolerance_of_obama_and_biden_is_not(fixture_faces: FacesGetter) -> None:
    obama = fixture_faces("obama.jpg")[0][1]

    assert distance(fixture_faces("obama2.jpg")[0][1], obama) < 0.5
    assert distance(fixture_faces("obama_small.jpg")[0][1], obama) < 0.5
    assert distance(fixture_faces("biden.jpg")[0][1], obama) > 0.6
    assert distance(fixture_faces("lin-manuel-miranda.png")[0][1], obama) > 0.6


def test_an_exif_rotated_photo_gives_the_same_face_and_encoding_as_the_upright_one(
    detector: FaceDetector, fixture_faces: FacesGetter
) -> None:
    upright_box, upright_encoding = fixture_faces("obama.jpg")[0]

    boxes, encodings = detector.detect_and_encode(load_image(images.exif_rotated_jpeg("obama.jpg", 6)))

    assert len(boxes) == 1
    assert max(abs(a - b) for a, b in zip(boxes[0].as_tuple(), upright_box.as_tuple(), strict=True)) <= 2
    # The rotated copy is re-encoded as JPEG, so its pixels (and the box, by a pixel) differ a little: encodings
    # move ~0.04-0.08 for a box moved by 1-2 px, and two photos of one person are ~0.3-0.5 apart.
    assert distance(encodings[0], upright_encoding) < 0.1


@pytest.fixture(scope="module")
def two_people_4x(fixture_image: ImageGetter) -> NDArray[np.uint8]:
    large = cv2.resize(fixture_image("two_people.jpg"), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    return np.asarray(large, dtype=np.uint8)  # 4504 x 2644


def test_detection_runs_on_a_downscaled_copy_and_maps_boxes_back_to_the_original(
    two_people_4x: NDArray[np.uint8], fixture_image: ImageGetter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # max_side = the original's longest side, so the detection copy is the original again (up to resampling) and
    # the boxes found on it, mapped back, must be the original boxes times 4.
    detector = FaceDetector(model="hog", max_side=1126)
    original_boxes = detector.detect(fixture_image("two_people.jpg"))
    seen_shapes: list[tuple[int, ...]] = []
    real_detector = detection_module.hog_detector()

    def spy(image: NDArray[np.uint8], upsample: int) -> Any:
        seen_shapes.append(image.shape)
        return real_detector(image, upsample)

    monkeypatch.setattr(detection_module, "hog_detector", lambda: spy)

    boxes = detector.detect(two_people_4x)

    assert seen_shapes == [(661, 1126, 3)]
    expected = sorted((box.scaled(4) for box in original_boxes), key=lambda b: b.left)
    found = sorted(boxes, key=lambda b: b.left)
    assert len(found) == 2
    for got, want in zip(found, expected, strict=True):
        assert iou(got, want) > 0.8
        assert 0 <= got.left < got.right <= two_people_4x.shape[1]
        assert 0 <= got.top < got.bottom <= two_people_4x.shape[0]


def test_a_large_photo_is_detected_at_the_default_size_and_encoded_at_full_resolution(
    detector: FaceDetector, two_people_4x: NDArray[np.uint8], fixture_faces: FacesGetter
) -> None:
    boxes, encodings = detector.detect_and_encode(two_people_4x)

    originals = sorted(fixture_faces("two_people.jpg"), key=lambda face: face[0].left)
    found = sorted(zip(boxes, encodings, strict=True), key=lambda face: face[0].left)
    assert len(found) == 2
    for (got_box, got_encoding), (want_box, want_encoding) in zip(found, originals, strict=True):
        # HOG boxes come in pyramid steps ~10-15% apart, so a different detection scale moves them a little.
        assert iou(got_box, want_box.scaled(4)) > 0.6
        assert distance(got_encoding, want_encoding) < 0.1


def test_an_image_without_faces_gives_no_boxes_and_an_empty_encoding_matrix(detector: FaceDetector) -> None:
    blank = np.full((300, 400, 3), 200, dtype=np.uint8)

    boxes, encodings = detector.detect_and_encode(blank)

    assert boxes == []
    assert encodings.shape == (0, 128) and encodings.dtype == np.float32


def test_max_faces_keeps_only_the_largest_faces(detector: FaceDetector, fixture_image: ImageGetter) -> None:
    boxes, encodings = detector.detect_and_encode(fixture_image("two_people.jpg"), max_faces=1)

    assert len(boxes) == 1 and encodings.shape == (1, 128)
    assert boxes[0] == detector.detect(fixture_image("two_people.jpg"))[0]


def test_encode_accepts_non_contiguous_views_and_rejects_non_rgb_arrays(
    detector: FaceDetector, fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    image = fixture_image("obama_small.jpg")
    box, encoding = fixture_faces("obama_small.jpg")[0]
    padded = np.zeros((image.shape[0], image.shape[1] * 2, 3), dtype=np.uint8)
    padded[:, ::2] = image

    assert distance(detector.encode(padded[:, ::2], [box])[0], encoding) < 1e-6
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect(image[:, :, 0])
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect(image.astype(np.float32))


def test_detector_settings_are_validated() -> None:
    for bad in ({"model": "sift"}, {"max_side": 0}, {"upsample": -1}, {"num_jitters": 0}):
        with pytest.raises(ValueError):
            FaceDetector(**bad)


def test_a_grey_detector_finds_the_same_faces_as_colour_in_a_group_photo(fixture_image: ImageGetter) -> None:
    photo = fixture_image("two_people.jpg")

    colour = FaceDetector(upsample=1).detect(photo)
    grey = FaceDetector(upsample=1, grey=True).detect(photo)

    assert len(grey) == len(colour) == 2
    for got, want in zip(sorted(grey, key=lambda b: b.left), sorted(colour, key=lambda b: b.left), strict=True):
        assert iou(got, want) > 0.6


def test_a_per_call_upsample_finds_a_face_too_small_for_the_detectors_own_setting(
    fixture_image: ImageGetter,
) -> None:
    portrait = fixture_image("obama.jpg")
    small = np.ascontiguousarray(cv2.resize(portrait, None, fx=0.12, fy=0.12, interpolation=cv2.INTER_AREA))
    detector = FaceDetector(model="hog", upsample=0)

    assert detector.detect(small) == []  # a face of ~50 px: below HOG's 80 px window
    (found,) = detector.detect(small, upsample=1)
    assert 30 < found.size < 80


def test_a_box_moved_by_a_crops_offset_lands_where_the_crop_was_taken() -> None:
    assert FaceBox(10, 60, 70, 20).moved(100, 200) == FaceBox(110, 260, 170, 220)
