"""Analytics settings written past the admin's validation (a zone that crosses itself) switch the analytics off;
the camera goes on recognising."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from cameras.models import Camera
from cameras.services.processor import CameraProcessor
from recognition.engine.video import open_frames
from tests.cameras.conftest import CLIP
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db

BOW_TIE = [[0.2, 0.2], [0.8, 0.8], [0.8, 0.2], [0.2, 0.8]]


def test_the_processor_logs_the_refusal_and_analyses_frames_without_analytics(caplog: pytest.LogCaptureFixture) -> None:
    camera = CameraFactory(analytics={"zones": [{"id": "lab", "points": BOW_TIE}]})
    processor = CameraProcessor(camera.pk)
    with caplog.at_level(logging.ERROR, logger="cameras.services.processor"):
        processor._configure(Camera.objects.select_related("classroom").get(pk=camera.pk))
    frames = open_frames(str(CLIP), realtime=False)
    for _, (timestamp, frame) in zip(range(20), frames, strict=False):
        processor._handle_frame(frame, timestamp, timezone.now())
    frames.close()

    assert "analytics settings refused" in caplog.text
    assert (processor.nodes, processor.analytics) == ([], {})
    assert processor.pipeline.stats.analysed > 0
