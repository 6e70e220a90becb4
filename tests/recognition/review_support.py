"""Face groups made directly (as the clustering would leave them), with real fixture crops and their encodings."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from recognition.engine import load_image
from recognition.models import FaceGroup, UnknownFace, pack_encoding
from recognition.services.engine import get_detector
from school.models import Classroom, Lesson
from tests.support.images import fixture_bytes

#: Barack Obama's portraits as crops, best first: enrolling the best two takes the first two.
OBAMA_CROPS = (("obama.jpg", 0.9), ("obama2.jpg", 0.8), ("obama_small.jpg", 0.2))


@cache
def fixture_encoding(name: str) -> bytes:
    """The encoding of the (one) face of a fixture photo, packed."""
    _, encodings = get_detector().detect_and_encode(load_image(fixture_bytes(name)))
    return pack_encoding(encodings[0])


def make_group(
    crops: tuple[tuple[str, float], ...] = OBAMA_CROPS,
    *,
    where: str = "Câmera da porta",
    seen_at: dt.datetime | None = None,
    lesson: Lesson | None = None,
    classroom: Classroom | None = None,
    source: str = UnknownFace.Source.CAMERA,
    encodings: bool = True,
) -> FaceGroup:
    """An open group of one unknown face per crop (fixture name, quality), all seen at `where`."""
    seen_at = seen_at or timezone.now()
    packed = [fixture_encoding(name) if encodings else pack_encoding(np.full(128, 0.05)) for name, _ in crops]
    centroid = np.mean([np.frombuffer(p, dtype=np.float32) for p in packed], axis=0)
    group = FaceGroup.objects.create(
        centroid=pack_encoding(centroid), size=len(crops), first_seen_at=seen_at, last_seen_at=seen_at
    )
    for index, ((name, quality), encoding) in enumerate(zip(crops, packed, strict=True)):
        UnknownFace.objects.create(
            source=source,
            group=group,
            encoding=encoding,
            crop=ContentFile(fixture_bytes(name), name=f"{index}.jpg"),
            seen_at=seen_at - dt.timedelta(minutes=index),
            where=where,
            lesson=lesson,
            classroom=classroom,
            quality=quality,
            clustered=True,
        )
    return group
