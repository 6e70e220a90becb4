"""FACE_ENCODER=fast (the default) encodes with dlib's network on onnxruntime, with dlib's own encodings;
FACE_ENCODER=dlib keeps dlib; a fast encoder that cannot be built falls back to dlib with one line in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import face_recognition
import numpy as np
import pytest

from recognition.engine import load_image
from recognition.engine.fast_encoder import FastEncoder
from recognition.services import engine
from tests.support.images import fixture_bytes


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    engine.face_encoder.cache_clear()
    engine.get_detector.cache_clear()
    yield
    engine.face_encoder.cache_clear()
    engine.get_detector.cache_clear()


def test_by_default_the_fast_encoder_gives_dlibs_encodings() -> None:
    detector = engine.get_detector()
    image = load_image(fixture_bytes("obama.jpg"))
    boxes = detector.detect(image)

    encodings = detector.encode(image, boxes)

    assert isinstance(detector.encoder, FastEncoder)
    expected = face_recognition.face_encodings(image, [box.as_tuple() for box in boxes])
    assert np.linalg.norm(encodings - np.asarray(expected), axis=1).max() < 1e-4


def test_face_encoder_dlib_keeps_dlibs_own(settings: Any) -> None:
    settings.FACE_ENCODER = "dlib"

    assert engine.get_detector().encoder is None


def test_a_fast_encoder_that_cannot_be_built_falls_back_to_dlib(
    settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no runtime here")

    monkeypatch.setattr("recognition.engine.fast_encoder.FastEncoder", broken)

    with caplog.at_level(logging.WARNING, logger="recognition.services.engine"):
        detector = engine.get_detector()

    assert detector.encoder is None
    assert [record.getMessage() for record in caplog.records] == [
        "the fast face encoder could not be built (no runtime here); using dlib's"
    ]
    image = load_image(fixture_bytes("biden.jpg"))
    assert detector.encode(image, detector.detect(image)).shape == (1, 128)
