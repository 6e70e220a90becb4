"""UnknownFace rows for the review tests, straight into the database (what record_unknown_face stores)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone
from numpy.typing import NDArray

from recognition.models import ENCODING_DTYPE, FaceGroup, UnknownFace, pack_encoding


def unknown_face(
    encoding: NDArray[np.floating],
    *,
    seen_at: dt.datetime | None = None,
    crop: bytes | None = None,
    group: FaceGroup | None = None,
    clustered: bool = False,
    where: str = "Camera 1",
) -> UnknownFace:
    face = UnknownFace(
        source=UnknownFace.Source.CAMERA,
        encoding=pack_encoding(encoding),
        seen_at=seen_at or timezone.now(),
        where=where,
        group=group,
        clustered=clustered,
    )
    if crop is not None:
        face.crop.save("crop.jpg", ContentFile(crop), save=False)
    face.save()
    return face


def centroid(group: FaceGroup) -> NDArray[np.float32]:
    return np.frombuffer(bytes(group.centroid), dtype=ENCODING_DTYPE).astype(np.float32)
