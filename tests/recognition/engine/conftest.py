"""Shared, expensive objects for the engine tests (face detection costs ~0.2 s a photo here: do it once).

The engine needs no Django. Run these tests alone with
``python -m pytest tests/recognition/engine -p no:django --confcutdir=tests/recognition/engine``;
``--confcutdir`` keeps pytest from loading the Django conftests higher up in ``tests/``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import FaceBox, FaceDetector, load_image
from tests.support.images import FIXTURE_PHOTOS, fixture_bytes

PORTRAITS = FIXTURE_PHOTOS[:6]  # one face each

Face = tuple[FaceBox, NDArray[np.float32]]


@pytest.fixture(scope="session")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.fixture(scope="session")
def fixture_image() -> Callable[[str], NDArray[np.uint8]]:
    """Decoded fixture photos, cached; callers must not modify them."""
    cache: dict[str, NDArray[np.uint8]] = {}

    def get(name: str) -> NDArray[np.uint8]:
        if name not in cache:
            cache[name] = load_image(fixture_bytes(name))
            cache[name].flags.writeable = False
        return cache[name]

    return get


@pytest.fixture(scope="session")
def fixture_faces(
    detector: FaceDetector, fixture_image: Callable[[str], NDArray[np.uint8]]
) -> Callable[[str], list[Face]]:
    """Every face of a fixture photo with its encoding, largest first, cached."""
    cache: dict[str, list[Face]] = {}

    def get(name: str) -> list[Face]:
        if name not in cache:
            boxes, encodings = detector.detect_and_encode(fixture_image(name))
            cache[name] = list(zip(boxes, encodings, strict=True))
        return cache[name]

    return get
