from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from cameras.mjpeg import MjpegServer
from cameras.services import frames, lease, processor
from cameras.services.processor import run_processor
from recognition.models import FacePhoto
from school.models import Classroom, Lesson, Student
from school.services.lessons import current_lesson
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    LessonScheduleFactory,
    SecretaryFactory,
    StudentFactory,
)
from tests.recognition.conftest import upload

FACES = Path(__file__).parent.parent / "fixtures" / "faces"
CLIP = FACES / "short_hamilton_clip.mp4"
# Who is in the clip, and people who are not (enrolled too, so that a wrong match would have someone to pick).
CLIP_STUDENT = ("Lin-Manuel Miranda", "lin-manuel-miranda.png")
OTHERS = [("Barack Obama", "obama.jpg"), ("Joe Biden", "biden.jpg"), ("Alex Lacamoire", "alex-lacamoire.png")]


def lesson_now(classroom: Classroom) -> Lesson:
    """Give `classroom` a lesson that began a few minutes ago and lasts until midnight; return it."""
    now = timezone.localtime()
    start = (now - dt.timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    if start > now.time():  # just after midnight
        start = dt.time(0, 0)
    LessonScheduleFactory(classroom=classroom, weekday=now.weekday(), start_time=start, end_time=dt.time(23, 59, 59))
    lesson = current_lesson(classroom, now)
    assert lesson is not None
    return lesson


def enroll(classroom: Classroom, name: str, photo: str) -> Student:
    """A consenting student of `classroom` whose photo went through the upload API (encoded on commit)."""
    student = StudentFactory(full_name=name, consenting=True)
    EnrollmentFactory(student=student, classroom=classroom)
    api = APIClient()
    api.force_authenticate(SecretaryFactory())
    response = upload(api, student, photo)
    assert response.status_code == 201, response.json()
    assert FacePhoto.objects.get(pk=response.json()["id"]).status == FacePhoto.Status.READY
    return student


@dataclass
class School:
    classroom: Classroom
    lesson: Lesson
    student: Student


@pytest.fixture
def school(transactional_db: None) -> School:
    """A classroom in session with Lin-Manuel Miranda enrolled (face included)."""
    classroom = ClassroomFactory()
    lesson = lesson_now(classroom)
    return School(classroom, lesson, enroll(classroom, *CLIP_STUDENT))


@pytest.fixture
def fake_camera() -> Iterator[MjpegServer]:
    """The clip served in a loop as an ESP32-CAM would, on a free port."""
    server = MjpegServer(CLIP, port=0, fps=10)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def quick_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter periods than in production, so that the tests see changes within a second or so."""
    monkeypatch.setattr(processor, "RELOAD_S", 0.5)
    monkeypatch.setattr(processor, "STATUS_S", 0.5)
    monkeypatch.setattr(processor, "BACKOFF_MAX_S", 1.0)


class ProcessorThread:
    """run_processor in a thread, as the supervisor or a Celery worker would run it."""

    def __init__(self, camera_id: int) -> None:
        self.stop = threading.Event()
        self.reason: str | None = None
        self._thread = threading.Thread(target=self._run, args=(camera_id,), daemon=True)

    def _run(self, camera_id: int) -> None:
        try:
            self.reason = run_processor(camera_id, stop=self.stop)
        finally:
            connections.close_all()

    def start(self) -> ProcessorThread:
        self._thread.start()
        return self

    def join(self, timeout: float = 20.0) -> str | None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the processor did not stop"
        return self.reason

    def close(self) -> None:
        self.stop.set()
        self.join()


@pytest.fixture
def processor_thread() -> Iterator[Callable[[int], ProcessorThread]]:
    started: list[ProcessorThread] = []

    def start(camera_id: int) -> ProcessorThread:
        thread = ProcessorThread(camera_id).start()
        started.append(thread)
        return thread

    yield start
    for thread in started:  # stopped before the database is emptied under it
        thread.close()


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """Runs the test on both registries (leases, frame bus): the in-process one and Redis (skipped without it)."""
    settings.REDIS_URL = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return str(request.param)


@pytest.fixture
def camera_id() -> int:
    # Lease tests need no camera row; a random id keeps runs sharing a Redis database apart.
    return random.randint(10**9, 2 * 10**9)


@pytest.fixture(autouse=True)
def _fresh_embedded_registries() -> Iterator[None]:
    """The in-process frame bus and lease registry outlive a test; ids are reused once the tables are emptied."""
    yield
    frames._frames.clear()
    frames._stills.clear()
    lease._memory_store._leases.clear()
