"""A camera's unknown faces kept for review: each track that stayed unknown through a lesson gives one UnknownFace
(its best view), written by a thread of its own so that the camera loop never waits on the database for them."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from dataclasses import dataclass

from django.db import close_old_connections, connections

from recognition.engine.pipeline import UnknownTrack
from recognition.models import UnknownFace
from recognition.services.unknown_faces import is_not_a_student, record_unknown_face

logger = logging.getLogger(__name__)

#: Faces waiting to be written; beyond that (the database is down for long) new ones are dropped, and logged.
MAX_WAITING = 200
#: How long stopping waits for the faces still queued.
FLUSH_S = 10.0


def track_key(camera_id: int, lesson_id: int, run_key: str, track_id: int) -> str:
    """Names a track across processor runs: each run numbers its tracks from 1 again, hence its run key."""
    return f"camera:{camera_id}:lesson:{lesson_id}:track:{run_key}-{track_id}"


@dataclass(frozen=True)
class KeptFace:
    camera_id: int
    where: str
    classroom_id: int
    lesson_id: int
    track_key: str
    seen_at: dt.datetime
    track: UnknownTrack


class UnknownFaceKeeper:
    """One per processor: ``keep`` queues a face and returns at once; the thread records it (retrying a few times
    while the database is unreachable)."""

    def __init__(self, camera_id: int) -> None:
        self.camera_id = camera_id
        self._queue: queue.Queue[KeptFace | None] = queue.Queue(MAX_WAITING)
        self._thread: threading.Thread | None = None
        self.kept = 0
        self.dropped = 0

    def start(self) -> UnknownFaceKeeper:
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.camera_id}-unknown", daemon=True)
        self._thread.start()
        return self

    def keep(self, face: KeptFace) -> None:
        try:
            self._queue.put_nowait(face)
        except queue.Full:
            self.dropped += 1
            logger.error("camera %s: unknown face %s not kept (too many waiting)", self.camera_id, face.track_key)

    def stop(self, timeout: float = FLUSH_S) -> None:
        """Write what is queued (for at most ``timeout``), then end the thread."""
        if self._thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while (face := self._queue.get()) is not None:
                self._write(face)
        finally:
            connections.close_all()

    def _write(self, face: KeptFace) -> None:
        view = face.track.view
        for attempt in range(3):
            try:
                close_old_connections()
                record_unknown_face(
                    source=UnknownFace.Source.CAMERA,
                    encoding=view.encoding,
                    crop_jpeg=view.crop_jpeg,
                    seen_at=face.seen_at,
                    where=face.where,
                    classroom=face.classroom_id,
                    lesson=face.lesson_id,
                    track_key=face.track_key,
                    quality=view.quality,
                )
                self.kept += 1
                return
            except Exception:
                logger.exception("camera %s: unknown face %s not kept yet", self.camera_id, face.track_key)
                connections.close_all()  # a broken connection is replaced on the next try
                threading.Event().wait(1.0 + attempt * 2)


def alert_is_wanted(encoding: object) -> bool:
    """Whether an unknown face deserves an unknown_face alert: not when staff said its person is not a student
    (a visitor, a teacher). When that cannot be told (the database is down), it does."""
    if encoding is None:
        return True
    try:
        return not is_not_a_student(encoding)  # type: ignore[arg-type]
    except Exception:
        logger.exception("could not tell whether an unknown face is a known non-student")
        return True
