"""Latency: from a camera frame being read to the presence event reaching a teacher's WebSocket, over Redis.

Run: `make bench-latency` (or `.venv/bin/python -m bench.latency [--events N]`); needs Redis (`TEST_REDIS_URL`,
default redis://127.0.0.1:6379/13). A throw-away SQLite database holds a classroom in session with Lin-Manuel
Miranda enrolled from his portrait. For each event the clip's frames are read and analysed by the real pipeline
until it decides who is there; the clock starts when that deciding frame has been read. `record_sighting` then
marks the presence and, after commit, the event goes through the Redis channel layer to the lesson's WebSocket
consumer, where a client receives it and the clock stops. The same events are also watched by the naive
approach, a page polling the attendance state once a second. The last line is the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.django_env import django_env

CLIP = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces" / "short_hamilton_clip.mp4"
PORTRAIT = CLIP.with_name("lin-manuel-miranda.png")
POLL_INTERVAL_S = 1.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def first_after(starts: list[float], sightings: list[float]) -> list[float]:
    """For each event start, the delay to the first sighting after it and before the next start (none: missed)."""
    delays = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else float("inf")
        seen = [sighting for sighting in sightings if start <= sighting < end]
        if seen:
            delays.append(seen[0] - start)
    return delays


class SocketClient:
    """A WebSocket client of the lesson group, on its own event loop thread; records when each event arrives."""

    def __init__(self, lesson_id: int, headers: list[tuple[bytes, bytes]], expected: int) -> None:
        self.arrivals: list[float] = []
        self.expected = expected
        self.ready = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._run(lesson_id, headers),), daemon=True)

    async def _run(self, lesson_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        from channels.testing import WebsocketCommunicator

        from school.asgi import application

        client = WebsocketCommunicator(application, f"/ws/lessons/{lesson_id}/", headers=headers)
        connected, _ = await client.connect(timeout=10)
        if not connected:
            raise SystemExit("the WebSocket was refused")
        await client.receive_json_from(timeout=10)  # the snapshot
        self.ready.set()
        while len(self.arrivals) < self.expected:
            # A receive that times out tears the test client down, so wait long: every event does come.
            message = await client.receive_json_from(timeout=60)
            if message.get("type") == "attendance.present":
                self.arrivals.append(time.perf_counter())
        await client.disconnect()


class Poller:
    """The naive page: asks for the attendance state every second and notes when the student first shows up."""

    def __init__(self, lesson: Any, student_id: int) -> None:
        self.lesson, self.student_id = lesson, student_id
        self.sightings: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.failure: BaseException | None = None

    def _run(self) -> None:
        try:
            self._poll()
        except BaseException as error:  # reported by main()
            self.failure = error

    def _poll(self) -> None:
        from django.db import connections

        from attendance.services.state import attendance_state

        was_present = False
        next_poll = time.perf_counter()
        while not self.stop.is_set():
            time.sleep(max(0.0, next_poll - time.perf_counter()))
            next_poll += POLL_INTERVAL_S
            state = attendance_state(self.lesson)
            present = self.student_id in state["present"] + state["late"]
            if present and not was_present:
                self.sightings.append(time.perf_counter())
            was_present = present
        connections.close_all()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args(argv)
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    # No REDIS_URL: tasks in-process; only the channel layer goes through Redis (below).
    with django_env("chamada-latency-", env={"ALLOWED_HOSTS": "localhost", "CHAMADA_EMBEDDED_CAMERAS": "0"}):
        return _bench(args.events, redis_url)


def _bench(events: int, redis_url: str) -> int:
    from django.conf import settings

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis is needed at {redis_url}: {error}") from None
    lesson, student, headers = _school()
    frames = _frames()
    print(f"{len(frames)} frames of {CLIP.name}; {events} events; channel layer: Redis at {redis_url}")

    client = SocketClient(lesson.pk, headers, expected=events)
    poller = Poller(lesson, student.pk)
    client.thread.start()
    if not client.ready.wait(timeout=20):
        raise SystemExit("the WebSocket client did not connect")
    poller.thread.start()
    starts = []
    for _event in range(events):
        starts.append(_one_event(lesson, student, frames))
        time.sleep(POLL_INTERVAL_S * 1.1)  # let the poller see this event before the next one resets it
    time.sleep(0.5)
    poller.stop.set()
    client.thread.join(timeout=60)
    poller.thread.join(timeout=5)

    if poller.failure:
        raise SystemExit(f"the polling client failed: {poller.failure!r}")
    push = [arrival - start for start, arrival in zip(starts, client.arrivals, strict=False)]
    polled = first_after(starts, poller.sightings)
    if len(push) != len(starts):
        raise SystemExit(f"only {len(push)} of {len(starts)} events reached the WebSocket")
    rows = [("WebSocket push (Channels + Redis)", push), (f"polling every {POLL_INTERVAL_S:.0f} s (naive)", polled)]
    print(f"{'path':38} {'events':>6} {'p50':>9} {'p95':>9} {'max':>9}")
    for name, values in rows:
        print(
            f"{name:38} {len(values):6d} {1000 * percentile(values, 0.5):7.0f}ms "
            f"{1000 * percentile(values, 0.95):7.0f}ms {1000 * max(values):7.0f}ms"
        )
    print(
        f"latency: frame read -> WebSocket event p50={1000 * percentile(push, 0.5):.0f}ms "
        f"p95={1000 * percentile(push, 0.95):.0f}ms over {len(push)} events (Redis); polling 1 s: "
        f"p50={1000 * percentile(polled, 0.5):.0f}ms p95={1000 * percentile(polled, 0.95):.0f}ms"
    )
    return 0


def _school() -> tuple[Any, Any, list[tuple[bytes, bytes]]]:
    import datetime as dt

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from recognition.services.enrollment import add_face_photo
    from school.models import TEACHERS_GROUP, Classroom, Enrollment, LessonSchedule, Student
    from school.services.lessons import current_lesson

    call_command("migrate", verbosity=0)
    classroom = Classroom.objects.create(code="3AT.I", name="Bench", school_year=timezone.localdate().year)
    LessonSchedule.objects.create(
        classroom=classroom,
        weekday=timezone.localdate().weekday(),
        start_time=dt.time(0, 0),
        end_time=dt.time(23, 59, 59),
        subject="Bench",
    )
    student = Student.objects.create(
        full_name="Lin-Manuel Miranda", registration="1", biometric_consent=True, biometric_consent_at=timezone.now()
    )
    Enrollment.objects.create(student=student, classroom=classroom, school_year=classroom.school_year)
    add_face_photo(student, PORTRAIT.read_bytes(), PORTRAIT.name)
    teacher = User.objects.create_user("bench-teacher", password="x")
    teacher.groups.add(Group.objects.get(name=TEACHERS_GROUP))
    classroom.teachers.add(teacher)
    browser = Client()
    browser.force_login(teacher)
    headers = [
        (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode()),
        (b"origin", b"http://localhost"),
    ]
    lesson = current_lesson(classroom)
    return lesson, student, headers


def _frames() -> list[Any]:
    from recognition.engine import open_frames

    return [frame for _timestamp, frame in open_frames(str(CLIP), realtime=False)]


def _one_event(lesson: Any, student: Any, frames: list[Any]) -> float:
    """Analyse frames until the pipeline decides, then record the sighting; returns when the frame was read."""
    from django.conf import settings
    from django.utils import timezone

    from attendance.models import Presence
    from attendance.services.sightings import record_sighting
    from recognition.engine import FramePipeline, PipelineConfig
    from recognition.services.engine import get_detector
    from recognition.services.index import get_matcher

    Presence.objects.filter(lesson=lesson).delete()  # each event must be a new presence
    # ...and the polling page must get to see the student absent first, or it would miss the event.
    time.sleep(POLL_INTERVAL_S * 1.1)
    pipeline = FramePipeline(get_detector(), get_matcher, PipelineConfig(min_faces=settings.MIN_FACES))
    fps = 29.97
    for index, frame in enumerate(frames):
        read_at = time.perf_counter()  # the frame is in memory: as a camera read would leave it
        report = pipeline.process(frame.copy(), index / fps)
        for identification in report.identifications:
            if identification.student_id == student.pk:
                record_sighting(
                    student=student,
                    classroom=lesson.classroom,
                    seen_at=timezone.now(),
                    distance=identification.distance,
                    crop_jpeg=identification.crop_jpeg,
                )
                return read_at
    raise SystemExit("the pipeline never recognised the student in the clip")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
