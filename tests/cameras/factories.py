"""factory_boy factories of the cameras app."""

from __future__ import annotations

import factory

from cameras.models import Camera
from tests.factories import ClassroomFactory


class CameraFactory(factory.django.DjangoModelFactory[Camera]):
    class Meta:
        model = Camera

    name = factory.Sequence(lambda n: f"Câmera {n}")
    classroom = factory.SubFactory(ClassroomFactory)
    stream_url = "http://127.0.0.1:9/stream"  # the discard port: nothing answers unless a test says otherwise
    sample_fps = 4.0  # twice the default: a face is identified sooner, so the tests are shorter
    dedup_seconds = 60
