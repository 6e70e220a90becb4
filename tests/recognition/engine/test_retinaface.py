"""RetinaFace (the default detector) finds every face dlib's HOG finds, with boxes that encode as well, and more of
the small ones, with no false ones on the generated classroom scenes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import FaceBox, FaceDetector
from recognition.engine.retinaface import RetinaFace, to_dlib_box
from recognition.engine.tracking import iou
from recognition.engine.video import open_frames
from tests.recognition.engine.conftest import PORTRAITS
from tests.support.images import fixture_path
from tests.support.small_faces import SIZE_BANDS, band_of, count_found, small_face_scenes

ImageGetter = Callable[[str], NDArray[np.uint8]]


@cache
def hog() -> FaceDetector:
    return FaceDetector(model="hog")


def by_left(boxes: list[FaceBox]) -> list[FaceBox]:
    return sorted(boxes, key=lambda box: box.left)


@pytest.mark.parametrize("name", [*PORTRAITS, "two_people.jpg"])
def test_retinaface_finds_the_faces_hog_finds_on_each_fixture_photo_and_its_boxes_encode_the_same_person(
    name: str, detector: FaceDetector, fixture_image: ImageGetter
) -> None:
    image = fixture_image(name)
    by_hog, by_retinaface = by_left(hog().detect(image)), by_left(detector.detect(image))

    assert detector.model == "retinaface"
    assert len(by_retinaface) == len(by_hog) >= 1
    for ours, theirs in zip(by_retinaface, by_hog, strict=True):
        # Reshaped to HOG's box: dlib's landmarks, and so the chip, come out nearly the same. A box moved by a
        # pixel or two moves an encoding by ~0.04-0.08; two photos of one person are ~0.3-0.5 apart.
        assert iou(ours, theirs) > 0.6
        encodings = detector.encode(image, [ours, theirs])
        assert float(np.linalg.norm(encodings[0] - encodings[1])) < 0.12


def test_a_retinaface_box_is_reshaped_to_the_square_hog_box_over_eyebrows_to_mouth(fixture_image: ImageGetter) -> None:
    image = fixture_image("obama.jpg")
    (face,) = RetinaFace().detect(image)
    (theirs,) = hog().detect(image)

    box = to_dlib_box(face)

    assert face.height > 1.2 * face.width  # the network's own box: forehead to chin
    assert abs(box.width - box.height) <= 1
    assert iou(box, theirs) > 0.8
    assert face.score > 0.99 and face.landmarks.shape == (5, 2)


def test_on_the_small_face_set_retinaface_finds_more_faces_than_hog_and_none_that_are_not_there() -> None:
    scenes = small_face_scenes()
    found: dict[str, dict[tuple[int, int], int]] = {}
    false: dict[str, int] = {}
    detectors = {"hog0": FaceDetector(model="hog", upsample=0), "hog1": hog(), "retinaface": FaceDetector()}
    for name, detector in detectors.items():
        found[name] = dict.fromkeys(SIZE_BANDS, 0)
        false[name] = 0
        for scene in scenes:
            hit, wrong = count_found(scene.faces, detector.detect(scene.image))
            false[name] += wrong
            for face, was_found in zip(scene.faces, hit, strict=True):
                band = band_of(face.size)
                assert band is not None
                found[name][band] += was_found
    totals = dict.fromkeys(SIZE_BANDS, 0)
    for scene in scenes:
        for face in scene.faces:
            band = band_of(face.size)
            assert band is not None
            totals[band] += 1

    smallest = SIZE_BANDS[0]  # 24-39 px
    assert false == {"hog0": 0, "hog1": 0, "retinaface": 0}
    assert all(found["retinaface"][band] >= found["hog1"][band] for band in SIZE_BANDS)
    assert sum(found["retinaface"].values()) > sum(found["hog1"].values())
    assert found["retinaface"][smallest] >= 0.9 * totals[smallest]
    assert found["hog0"][smallest] == 0  # HOG's window is 80 px: without upsampling it sees none of these


def test_every_face_hog_finds_in_the_clip_retinaface_finds_too_and_at_the_end_it_finds_obama_in_the_audience(
    fixture_faces: Callable[[str], list[tuple[FaceBox, NDArray[np.float32]]]], detector: FaceDetector
) -> None:
    cameras_hog = FaceDetector(model="hog", upsample=1, grey=True)
    (_, obama), *_ = fixture_faces("obama.jpg")
    closest = {"hog": 1.0, "retinaface": 1.0}
    for index, (_timestamp, frame) in enumerate(
        open_frames(str(fixture_path("short_hamilton_clip.mp4")), realtime=False)
    ):
        if index % 6:
            continue
        by_hog, by_retinaface = cameras_hog.detect(frame), detector.detect(frame)
        for theirs in by_hog:
            assert any(iou(theirs, ours) > 0.3 for ours in by_retinaface), f"frame {index}: HOG's {theirs} missed"
        if index >= 258:  # the audience, Obama in three-quarter view, hand at his chin
            for name, boxes in (("hog", by_hog), ("retinaface", by_retinaface)):
                if boxes:
                    distances = np.linalg.norm(detector.encode(frame, boxes) - obama, axis=1)
                    closest[name] = min(closest[name], float(distances.min()))
    # RetinaFace finds him near obama.jpg, but not within the tolerance (0.5) with that one photo: unknown, never a
    # wrong name. HOG finds nothing of him.
    assert 0.5 < closest["retinaface"] < 0.65
    assert closest["hog"] > 0.7


def test_retinaface_refuses_what_is_not_an_rgb_picture_and_finds_nothing_in_a_speck() -> None:
    network = RetinaFace()

    with pytest.raises(ValueError, match="RGB uint8"):
        network.detect(np.zeros((40, 40), dtype=np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        network.detect(np.zeros((40, 40, 3), dtype=np.float32))  # type: ignore[arg-type]
    assert network.detect(np.zeros((1, 1, 3), dtype=np.uint8)) == []
    assert network.detect(np.full((90, 160, 3), 127, dtype=np.uint8)) == []


@pytest.mark.parametrize(
    "bad", [{"threads": 0}, {"score_threshold": 0.0}, {"score_threshold": 1.0}, {"nms_threshold": 0.0}]
)
def test_retinaface_refuses_settings_out_of_range(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetinaFace(**bad)  # type: ignore[arg-type]
