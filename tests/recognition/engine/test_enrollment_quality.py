"""Enrollment photos must show exactly one face, big and sharp enough; the reason for a refusal is precise."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from recognition.engine import (
    DEFAULT_MIN_FACE_PX,
    DEFAULT_MIN_SHARPNESS,
    FaceDetector,
    ImageRejected,
    RejectionCode,
    analyse_enrollment_photo,
    load_image,
    sharpness,
)
from tests.recognition.engine.conftest import PORTRAITS, Face
from tests.support import images

ImageGetter = Callable[[str], NDArray[np.uint8]]
FacesGetter = Callable[[str], list[Face]]


def refusal(image: NDArray[np.uint8], detector: FaceDetector, **kwargs: float) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        analyse_enrollment_photo(image, detector, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("name", PORTRAITS)
def test_every_fixture_portrait_is_accepted_with_its_face_and_encoding(
    name: str, detector: FaceDetector, fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    face = analyse_enrollment_photo(fixture_image(name), detector)

    box, encoding = fixture_faces(name)[0]
    assert face.box == box
    assert face.face_size_px == box.size >= DEFAULT_MIN_FACE_PX
    assert face.sharpness == sharpness(fixture_image(name), box) >= DEFAULT_MIN_SHARPNESS
    assert face.encoding.shape == (128,) and face.encoding.dtype == np.float32
    assert not face.encoding.flags.writeable
    np.testing.assert_array_equal(face.encoding, encoding)


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_portrait_blurred_with_sigma_4_is_refused_as_too_blurry(name: str, detector: FaceDetector) -> None:
    refused = refusal(load_image(images.blurred_face(name, sigma=4)), detector)

    assert refused.code is RejectionCode.TOO_BLURRY
    assert "sharpness" in refused.detail


def test_sharpness_falls_steadily_with_blur(fixture_image: ImageGetter, fixture_faces: FacesGetter) -> None:
    image = fixture_image("obama.jpg")
    box = fixture_faces("obama.jpg")[0][0]

    blurred = [np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8) for sigma in (1, 2, 3, 4)]
    scores = [sharpness(image, box)] + [sharpness(copy, box) for copy in blurred]

    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 10 * scores[-1]


def test_sharpness_is_comparable_across_resolutions(fixture_image: ImageGetter, fixture_faces: FacesGetter) -> None:
    # The crop is resized to a fixed square first; a raw Laplacian variance would change with every resize.
    for name in ("obama.jpg", "biden.jpg", "lin-manuel-miranda.png"):
        image = fixture_image(name)
        box = fixture_faces(name)[0][0]
        half = np.asarray(cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), dtype=np.uint8)

        ratio = sharpness(image, box) / sharpness(half, box.scaled(0.5))

        assert 0.5 < ratio < 2.0


def test_sharpness_of_an_empty_box_is_zero(fixture_image: ImageGetter, fixture_faces: FacesGetter) -> None:
    box = fixture_faces("obama.jpg")[0][0]
    outside = type(box)(top=5000, right=6000, bottom=5100, left=5900)

    assert sharpness(fixture_image("obama.jpg"), outside) == 0.0


@pytest.mark.parametrize(("scale", "face_px"), [(0.15, 41), (0.2, 52)])
def test_a_face_that_is_too_small_is_refused_with_its_size(scale: float, face_px: int, detector: FaceDetector) -> None:
    refused = refusal(load_image(images.tiny_face("obama.jpg", scale)), detector)

    assert refused.code is RejectionCode.FACE_TOO_SMALL
    assert refused.detail == f"the face is {face_px} px wide, the minimum is {DEFAULT_MIN_FACE_PX} px"


def test_the_minimum_face_size_is_a_parameter(detector: FaceDetector, fixture_image: ImageGetter) -> None:
    assert refusal(fixture_image("obama.jpg"), detector, min_face_px=300).code is RejectionCode.FACE_TOO_SMALL


def test_the_minimum_sharpness_is_a_parameter(detector: FaceDetector, fixture_image: ImageGetter) -> None:
    assert refusal(fixture_image("obama.jpg"), detector, min_sharpness=10_000).code is RejectionCode.TOO_BLURRY


@pytest.mark.parametrize(
    "data", [images.two_faces(), images.fixture_bytes("two_people.jpg")], ids=["composed", "two_people.jpg"]
)
def test_a_photo_with_two_faces_is_refused(data: bytes, detector: FaceDetector) -> None:
    refused = refusal(load_image(data), detector)

    assert refused.code is RejectionCode.MULTIPLE_FACES
    assert refused.detail.startswith("2 faces")


def test_a_tiny_face_in_the_background_does_not_count_as_a_second_face(detector: FaceDetector) -> None:
    portrait = images.fixture_rgb("obama.jpg")
    passer_by = images.fixture_rgb("biden.jpg")
    passer_by = passer_by.resize(
        (round(passer_by.width * 0.12), round(passer_by.height * 0.12)), Image.Resampling.LANCZOS
    )
    portrait.paste(passer_by, (portrait.width - passer_by.width, portrait.height - passer_by.height))
    image = np.array(portrait)
    sizes = [box.size for box in detector.detect(image)]
    assert len(sizes) == 2 and sizes[1] < 50  # the detector does see the passer-by (36 px)

    face = analyse_enrollment_photo(image, detector, min_face_px=100)  # faces under 50 px are background

    assert face.face_size_px == sizes[0]
    assert refusal(image, detector, min_face_px=60).code is RejectionCode.MULTIPLE_FACES  # 36 >= 60 / 2


def test_a_photo_without_a_face_is_refused(detector: FaceDetector) -> None:
    landscape = np.zeros((400, 600, 3), dtype=np.uint8)
    landscape[200:] = (40, 120, 40)
    landscape[:200] = (120, 170, 230)

    refused = refusal(landscape, detector)

    assert refused.code is RejectionCode.NO_FACE
