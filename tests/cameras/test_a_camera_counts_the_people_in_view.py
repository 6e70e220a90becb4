"""A camera's processor runs its analytics on every analysed frame: with the default settings it counts the faces
in view, and keeps the latest result of each node for the monitor page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cameras.models import Camera
from cameras.services.processor import CameraProcessor
from recognition.engine.video import open_frames
from tests.cameras.conftest import CLIP
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_the_processor_counts_the_faces_of_the_clip() -> None:
    camera = CameraFactory(analytics={})
    processor = CameraProcessor(camera.pk)
    processor._configure(Camera.objects.select_related("classroom").get(pk=camera.pk))
    counts = []
    for timestamp, frame in open_frames(str(CLIP), realtime=False):
        processor._handle_frame(frame, timestamp, timezone.now())
        if "people_count" in processor.analytics:
            counts.append(processor.analytics["people_count"].people_count)

    assert [node.node_type for node in processor.nodes] == ["people_count"]
    assert list(processor.analytics) == ["people_count"]
    assert counts and max(count or 0 for count in counts) >= 1
