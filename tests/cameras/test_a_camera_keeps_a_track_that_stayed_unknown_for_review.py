"""A camera track that stayed unknown during a lesson is kept for review, once, when it ends (or the processor
stops): one UnknownFace with the track's best crop and its encoding, the camera, classroom and lesson. The
recognised student's tracks are not kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from django.utils import timezone

from cameras.mjpeg import MjpegServer
from monitoring.models import Alert
from recognition.models import ENCODING_DTYPE, FacePhoto, UnknownFace
from recognition.services.unknown_faces import record_unknown_face
from tests.cameras.conftest import ProcessorThread, School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_each_track_of_a_stranger_in_the_clip_is_kept_once_with_its_crop_and_encoding(
    school: School,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
    settings: Any,
) -> None:
    settings.MIN_FACES = 1  # the clip's strangers fill a decision window of 2 recognitions (see the alert test)
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url)
    running = processor_thread(camera.pk)
    wait_until(lambda: UnknownFace.objects.exists(), 120, "a stranger's track kept when it ended")
    running.close()  # the tracks still in view end too

    faces = list(UnknownFace.objects.all())
    prefix = f"camera:{camera.pk}:lesson:{school.lesson.pk}:track:"
    for face in faces:
        assert (face.source, face.where, face.classroom_id, face.lesson_id) == (
            "camera",
            camera.name,
            school.classroom.pk,
            school.lesson.pk,
        )
        assert face.track_key.startswith(prefix) and face.quality > 0
        assert len(np.frombuffer(face.encoding, ENCODING_DTYPE)) == 128
        assert face.crop.name.endswith(".jpg") and face.crop.size > 500
    # Exactly the tracks announced as unknown (an unknown_face alert each), each once.
    alerted = {
        key.rsplit(":", 1)[1] for key in Alert.objects.filter(type="unknown_face").values_list("source_key", flat=True)
    }
    kept = [face.track_key.removeprefix(prefix) for face in faces]
    assert len(kept) == len(set(kept)) and set(kept) <= alerted
    # Lin-Manuel Miranda was recognised, and none of his tracks is among the strangers'.
    assert school.student.presences.exists()
    (lin,) = FacePhoto.objects.filter(student=school.student).values_list("encoding", flat=True)
    lin_encoding = np.frombuffer(bytes(lin or b""), ENCODING_DTYPE)
    distances = [float(np.linalg.norm(np.frombuffer(face.encoding, ENCODING_DTYPE) - lin_encoding)) for face in faces]
    assert min(distances) > settings.MATCH_TOLERANCE, distances


def test_reporting_a_track_again_keeps_one_face_with_the_better_view(school: School, settings: Any) -> None:
    key = f"camera:1:lesson:{school.lesson.pk}:track:abc-1"
    seen_at = timezone.now()
    first = record_unknown_face(
        source="camera",
        encoding=np.zeros(128),
        crop_jpeg=b"\xff\xd8 first",
        seen_at=seen_at,
        where="Door",
        lesson=school.lesson,
        track_key=key,
        quality=50.0,
    )
    assert first is not None
    first_crop = str(first.crop.name)

    worse = record_unknown_face(
        source="camera",
        encoding=np.ones(128),
        crop_jpeg=b"\xff\xd8 worse",
        seen_at=seen_at + dt.timedelta(minutes=1),
        where="Door",
        lesson=school.lesson,
        track_key=key,
        quality=20.0,
    )
    better = record_unknown_face(
        source="camera",
        encoding=np.full(128, 0.5),
        crop_jpeg=b"\xff\xd8 better",
        seen_at=seen_at + dt.timedelta(minutes=2),
        where="Door",
        lesson=school.lesson,
        track_key=key,
        quality=80.0,
    )

    (kept,) = UnknownFace.objects.all()
    assert worse is not None and better is not None and worse.pk == better.pk == kept.pk == first.pk
    assert kept.quality == 80.0 and np.allclose(np.frombuffer(kept.encoding, ENCODING_DTYPE), 0.5)
    assert kept.crop.read() == b"\xff\xd8 better" and kept.seen_at == seen_at
    assert not kept.crop.storage.exists(first_crop)  # the replaced crop is deleted
