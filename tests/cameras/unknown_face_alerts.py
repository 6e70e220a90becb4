"""A camera's processor announcing an unknown face, and the unknown_face alerts it raised: for the tests of what a
face group's decision does to those alerts."""

from __future__ import annotations

import numpy as np
from django.utils import timezone
from numpy.typing import NDArray

from cameras.models import Camera
from cameras.services.processor import CameraProcessor
from monitoring.models import Alert
from recognition.engine import FaceBox
from recognition.engine.pipeline import UnknownFace

FRAME = np.zeros((360, 640, 3), np.uint8)


def announce(camera: Camera, track_id: int, encoding: NDArray[np.float32]) -> None:
    """The camera's processor announcing a track that stayed unknown for a whole decision window."""
    processor = CameraProcessor(camera.pk)
    processor.camera = Camera.objects.select_related("classroom").get(pk=camera.pk)
    processor._run_key = "test"
    unknown = UnknownFace(
        track_id=track_id,
        box=FaceBox(100, 200, 200, 100),
        timestamp=1.0,
        crop_jpeg=b"\xff\xd8 a face",
        best_distance=None,
        encoding=encoding,
    )
    processor._announce_unknown(unknown, FRAME, timezone.now())


def alerted_tracks() -> set[int]:
    return {alert.payload["track_id"] for alert in Alert.objects.filter(type="unknown_face")}
