"""The processor keeps the camera's latest raw (unannotated) frame as its still, refreshed every STILL_S, for the
admin's analytics editor to draw over."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.utils import timezone

from cameras.models import Camera
from cameras.services.frames import latest_still
from cameras.services.processor import CameraProcessor
from recognition.engine.video import open_frames
from tests.cameras.conftest import CLIP
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_the_first_frame_becomes_the_still_unannotated() -> None:
    camera = CameraFactory()
    processor = CameraProcessor(camera.pk)
    processor._configure(Camera.objects.select_related("classroom").get(pk=camera.pk))
    assert latest_still(camera.pk) is None
    frames = open_frames(str(CLIP), realtime=False)
    timestamp, frame = next(frames)

    processor._handle_frame(frame, timestamp, timezone.now())

    still = latest_still(camera.pk)
    assert still is not None
    decoded = cv2.cvtColor(cv2.imdecode(np.frombuffer(still, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert decoded.shape == frame.shape
    assert np.abs(decoded.astype(int) - frame.astype(int)).mean() < 4  # the frame itself, no labels drawn
    getattr(frames, "close", lambda: None)()
