"""The live monitor's cost: the camera pipeline with every analytics node and monitor publishing on, against the same
pipeline with them off, in the same run, on the Hamilton clip.

Run: `make bench-monitor` (or `.venv/bin/python -W ignore -m bench.monitor [--rounds N] [--shared N] [--no-naive]
[--profile]`), about two and a half minutes; needs Redis (`TEST_REDIS_URL`, default redis://127.0.0.1:6379/13),
which carries the channel layer (under a prefix of this run's own, so nothing else on that Redis hears it), the
frame bus and the monitor's live state, as in a worker. A throw-away SQLite database (WAL, no fsync per commit: disk
waits would drown the differences in elapsed time, and every mode makes the same writes) holds Lin-Manuel Miranda,
enrolled from his portrait in one classroom in session per camera, one camera per mode, and a secretary.

The clip is decoded once. A replay plays its frames at the clip's own rate (sleeping until each frame is due, so the
feed's sender thread and its throttle act as in production; a frame the analysis is late for is handled at once,
never dropped, so every mode does the same recognition work: the frames analysed and faces encoded are printed)
through a fresh `CameraProcessor` per mode, driven as its `_stream` loop drives it: `_handle_frame`, then
`_periodic` (status every 2 s, configuration re-read every 3 s). The live JPEG goes to the frame bus every 0.2 s in
every mode.

- off: analytics {"people_count": {"enabled": false}} (no node) and no monitor feed: the pipeline alone.
- on: people count, a line and two zones (the left half "always", concerning everyone, so it raises intrusion
  alerts; the whole frame "outside_lessons", idle during the lesson), and the processor's `MonitorFeed` with
  MONITOR_MAX_RATE, sending over the real channel layer.
- naive (for comparison): the same analytics, every message sent by the camera loop itself as it is made
  (`cameras.events.send_pipeline_message`: no mailbox, no sender thread, no throttle: a frame update for every
  analysed frame).

What is measured, per frame of the clip:

- loop wall: elapsed time (perf_counter) of `_handle_frame` + `_periodic` in the camera thread, waits included (for
  the GIL while the sender runs, for Redis, for the database) but also whatever else this 2-core machine runs;
- loop CPU: the camera thread's own CPU time over the same calls (`time.thread_time()`);
- process CPU: `time.process_time()` of this process over the replay, every thread (the camera loop, the feed's
  sender, the threads asgiref starts for synchronous sends), and of that the sender thread alone (psutil).

Two kinds of replay, after a warm-up. Alone (--rounds of each mode, in rotating order): one processor, as a worker
runs it; process CPU can only be told apart this way, and the page's messages are counted then. But replays of
the same mode differ by several percent from one another on this shared 2-core machine (in some runs 'on' alone
even comes out cheaper than 'off'), more than the effect. Shared (--shared): every
mode's processor in one replay, each frame handed to each of them in turn, so their camera loops run under the same
conditions: the camera-loop figure. The process CPU figure is then summed from its parts, each taken where it is
least disturbed: the camera loop's extra CPU (shared) plus the extra outside the loop (sender, asgiref threads;
small, so little noise, alone). Costs are medians over the replays of a mode against the same replay's 'off'.

A monitor page is subscribed throughout: the real `MonitorConsumer` on /ws/monitor/ with a secretary's session,
driven by `channels.testing.WebsocketCommunicator` in a separate process (a web server's work is not the camera
worker's), which notes each message's type, camera and arrival time. Messages/s per camera: the pipeline messages
of the camera replayed alone that reached it, over the replay's seconds; alerts are counted apart. `--profile` adds
one 'on' replay under cProfile and prints where the camera loop's time went.

The last line is the figure: the cost of analytics + live monitor in percent of the camera loop and of process CPU
(target <= 5%), and the messages per second per camera a subscribed client got.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.django_env import django_env

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "faces" / "short_hamilton_clip.mp4"
PORTRAIT = CLIP.with_name("lin-manuel-miranda.png")
TARGET_PERCENT = 5.0
#: Messages of a round still arriving this long after its last frame count for it.
GRACE_S = 1.0
OFF, ON, NAIVE = "off", "on", "naive"
LABELS = {
    OFF: "off: no analytics, no monitor",
    ON: "on: analytics + MonitorFeed",
    NAIVE: "naive: analytics + sync sends",
}
ANALYTICS_OFF: dict[str, Any] = {"people_count": {"enabled": False}}
ANALYTICS_ON: dict[str, Any] = {
    "people_count": {"enabled": True},
    "line": {"a": [0.5, 0.0], "b": [0.5, 1.0], "in_side": "left"},
    "zones": [
        {"id": "stage", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], "schedule": "always", "concerns": "everyone"},
        {"id": "after-hours", "points": [[0, 0], [1, 0], [1, 1], [0, 1]], "schedule": "outside_lessons"},
    ],
}
PIPELINE_TYPES = {
    "pipeline_frame_update": "frames",
    "pipeline_analytics_update": "analytics",
    "pipeline_status_update": "status",
    "pipeline_error_update": "errors",
}


@dataclass
class Round:
    """One processor's share of a replay (its process CPU means something only when it ran alone)."""

    mode: str
    frames: int
    started: float  # time.monotonic(), comparable with the client process's arrival times
    ended: float
    loop_s: float
    thread_cpu_s: float
    cpu_s: float
    sender_cpu_s: float
    sent: int
    work: tuple[int, int]  # frames analysed, faces encoded: the same in every replay, or the comparison is off
    received: Counter[str] = field(default_factory=Counter)

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def loop_ms(self) -> float:
        return 1000 * self.loop_s / self.frames

    def thread_ms(self) -> float:
        return 1000 * self.thread_cpu_s / self.frames

    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.frames

    def outside_ms(self) -> float:
        """Process CPU outside the camera loop's calls: the sender, asgiref's threads, the replay's own work."""
        return self.cpu_ms() - self.thread_ms()

    def sender_ms(self) -> float:
        return 1000 * self.sender_cpu_s / self.frames

    def pipeline_messages(self) -> int:
        return sum(count for kind, count in self.received.items() if kind in PIPELINE_TYPES.values())


# --- The subscribed monitor page (a process of its own) -------------------------------------------------------------
class MonitorClient:
    """Starts `python -m bench.monitor --client` and collects what it heard: (arrival, type, camera id) per message."""

    def __init__(self, env: dict[str, str]) -> None:
        self.messages: list[tuple[float, str, int | None]] = []
        self.cpu_s: float | None = None
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "bench.monitor", "--client"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            record = json.loads(line)
            if "ready" in record:
                self.ready.set()
            elif "cpu_s" in record:
                self.cpu_s = record["cpu_s"]
            else:
                self.messages.append((record["t"], record["type"], record["camera"]))

    def count(self, camera_id: int, start: float, end: float) -> Counter[str]:
        counts: Counter[str] = Counter()
        for at, kind, camera in list(self.messages):
            if camera == camera_id and start <= at <= end:
                counts[PIPELINE_TYPES.get(kind, "alerts" if kind == "alert_update" else kind)] += 1
        return counts

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # the client's cue to disconnect and say how much CPU it used
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.reader.join(timeout=5)


def client_main() -> int:
    import django

    django.setup()  # with the environment of the bench's own process, which started this one
    _configure(os.environ["BENCH_MONITOR_REDIS"], os.environ["BENCH_MONITOR_PREFIX"])
    cookie = os.environ["BENCH_MONITOR_COOKIE"]
    headers = [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://localhost")]
    return asyncio.run(_listen(headers))


async def _listen(headers: list[tuple[bytes, bytes]]) -> int:
    from channels.testing import WebsocketCommunicator

    from school.asgi import application

    def emit(record: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    page = WebsocketCommunicator(application, "/ws/monitor/", headers=headers)
    connected, _ = await page.connect(timeout=20)
    if not connected:
        print("the monitor socket was refused", file=sys.stderr)
        return 1
    while (await page.receive_json_from(timeout=20))["type"] != "snapshot_done":
        pass
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()

    def wait_for_eof() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set_result, None)

    threading.Thread(target=wait_for_eof, daemon=True).start()
    emit({"ready": True})
    while True:
        # A receive that times out tears the test client down: wait as long as it takes, until told to stop.
        receive = asyncio.ensure_future(page.receive_json_from(timeout=3600))
        await asyncio.wait({receive, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not receive.done():
            receive.cancel()
            break
        message = receive.result()
        camera = message.get("pipeline_id")
        if message["type"] == "alert_update":
            camera = message["alert"]["camera_id"]
        emit({"t": time.monotonic(), "type": message["type"], "camera": camera})
        if stop.done():
            break
    await page.disconnect()
    emit({"cpu_s": time.process_time()})
    return 0


# --- The camera side ------------------------------------------------------------------------------------------------
def naive_feed(camera_id: int) -> Any:
    from cameras.events import send_pipeline_message
    from cameras.services.monitor_feed import MonitorFeed

    class NaiveFeed(MonitorFeed):
        """The obvious design: the camera loop sends every message itself as it makes it (a frame update for every
        analysed frame: no mailbox, no sender thread, no throttle)."""

        def _send_now(self, message: dict[str, Any]) -> None:
            send_pipeline_message(self.camera_id, message)
            self.sent += 1

        def post_status(self, message: dict[str, Any]) -> None:
            self._send_now(message)

        def post_frame(self, message: dict[str, Any]) -> None:
            self._send_now(message)

        def post_analytics(self, message: dict[str, Any]) -> None:
            self._send_now(message)

        def post_error(self, message: dict[str, Any]) -> None:
            self._send_now(message)

        def frame_due(self) -> bool:
            return True

    return NaiveFeed(camera_id, max_rate=1.0)


def thread_cpu_s(name: str) -> float:
    """CPU seconds used so far by this process's thread called `name` (0 when there is none)."""
    import psutil

    native = {thread.native_id: thread for thread in threading.enumerate() if thread.name == name}
    return sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id in native)


def replay(
    modes: list[str],
    cameras: dict[str, int],
    frames: list[tuple[float, Any]],
    profile: cProfile.Profile | None = None,
    seed: int = 0,
) -> list[Round]:
    """Replay the clip through a fresh processor per mode; several modes share the replay frame by frame (each
    frame goes to every processor, in an order drawn anew for each frame), so that they run under the same
    conditions. (Drawn, not rotated: the analysed frames come every 15th, and a rotation would hand them always to
    the same processor first, which may find colder caches after the sleep.)"""
    from django.conf import settings
    from django.utils import timezone

    from attendance.models import Presence
    from cameras.models import Camera
    from cameras.services.history import MinuteRecorder
    from cameras.services.monitor_feed import MonitorFeed
    from cameras.services.processor import CameraProcessor

    Presence.objects.all().delete()  # every replay records the same presences, anew
    gc.collect()
    processors, feeds = [], []
    for mode in modes:
        processor = CameraProcessor(cameras[mode])
        processor._configure(Camera.objects.select_related("classroom").get(pk=cameras[mode]))
        feed: MonitorFeed | None = None
        if mode == ON:
            feed = MonitorFeed(cameras[mode], max_rate=float(settings.MONITOR_MAX_RATE)).start()
        elif mode == NAIVE:
            feed = naive_feed(cameras[mode])
        processor.feed = feed
        processor.minutes = MinuteRecorder(timezone.now())
        processors.append(processor)
        feeds.append(feed)

    cpu_started = time.process_time()
    started = time.monotonic()
    for processor in processors:  # as _stream does at the first frame
        processor._status_at = started
        processor._frames_since_status = 0
        processor._set_status(state=Camera.State.RUNNING, last_frame_at=timezone.now(), last_error="")
    loop_s = [0.0] * len(modes)
    thread_s = [0.0] * len(modes)
    draw = random.Random(seed)
    for timestamp, frame in frames:
        due = started + timestamp - time.monotonic()
        if due > 0:
            time.sleep(due)
        for which in draw.sample(range(len(modes)), len(modes)):
            processor = processors[which]
            image = frame.copy()  # outside the clock, as a camera read hands over a fresh frame
            tick, thread_tick = time.perf_counter(), time.thread_time()
            if profile is not None:
                profile.enable()
            seen_at = timezone.now()
            processor._frames_since_status += 1
            processor._handle_frame(image, timestamp, seen_at)
            processor._periodic(seen_at)
            if profile is not None:
                profile.disable()
            loop_s[which] += time.perf_counter() - tick
            thread_s[which] += time.thread_time() - thread_tick
    ended = time.monotonic()
    senders = [thread_cpu_s(f"monitor-feed-{cameras[mode]}") if mode == ON else 0.0 for mode in modes]
    cpu_s = time.process_time() - cpu_started  # every thread: meaningful for one mode alone
    rounds = []
    for which, (mode, processor, feed) in enumerate(zip(modes, processors, feeds, strict=True)):
        sent = 0
        if feed is not None:
            sent = feed.sent
            if mode == ON:
                feed.stop()
        work = (processor._frames_analysed, processor._encodings)
        rounds.append(
            Round(mode, len(frames), started, ended, loop_s[which], thread_s[which], cpu_s, senders[which], sent, work)
        )
    return rounds


def _configure(redis_url: str, prefix: str) -> None:
    from django.conf import settings

    # No fsync per commit: the throw-away database's disk waits would drown the differences in the camera loop's
    # elapsed time (the same writes happen in every mode). WAL: the page's process reads while the camera writes.
    settings.DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }
    # The frame bus and the monitor's live state in Redis too, as in a worker (settings read at each call).
    settings.REDIS_URL = redis_url


def _school() -> tuple[dict[str, int], str]:
    import datetime as dt

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from cameras.models import Camera
    from recognition.services.enrollment import add_face_photo
    from school.models import SECRETARIES_GROUP, Classroom, Enrollment, LessonSchedule, Student

    call_command("migrate", verbosity=0)
    student = Student.objects.create(
        full_name="Lin-Manuel Miranda", registration="1", biometric_consent=True, biometric_consent_at=timezone.now()
    )
    add_face_photo(student, PORTRAIT.read_bytes(), PORTRAIT.name)
    cameras = {}
    # A classroom in session per camera, with him enrolled: each processor records its own presence, none finds
    # the other's (a cheaper duplicate) when they share a replay.
    for number, mode in enumerate((OFF, ON, NAIVE), start=1):
        classroom = Classroom.objects.create(
            code=f"3AT.{number}", name=f"Bench {mode}", school_year=timezone.localdate().year
        )
        LessonSchedule.objects.create(
            classroom=classroom,
            weekday=timezone.localdate().weekday(),
            start_time=dt.time(0, 0),
            end_time=dt.time(23, 59, 59),
            subject="Bench",
        )
        Enrollment.objects.create(student=student, classroom=classroom, school_year=classroom.school_year)
        cameras[mode] = Camera.objects.create(
            name=f"bench-{mode}",
            classroom=classroom,
            stream_url=f"http://127.0.0.1:9/{mode}.mjpg",  # never opened: the bench hands the frames over
            analytics=ANALYTICS_OFF if mode == OFF else ANALYTICS_ON,
        ).pk
    secretary = User.objects.create_user("bench-secretary", password="x", is_staff=True)
    secretary.groups.add(Group.objects.get(name=SECRETARIES_GROUP))
    browser = Client()
    browser.force_login(secretary)
    return cameras, browser.cookies["sessionid"].value


def _frames() -> list[tuple[float, Any]]:
    from recognition.engine import open_frames

    return list(open_frames(str(CLIP), realtime=False))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percent(new: float, old: float) -> float:
    return 100 * (new - old) / old


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="replays of each mode alone (default 3)")
    parser.add_argument("--shared", type=int, default=3, help="replays shared by every mode (default 3)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive publisher")
    parser.add_argument("--profile", action="store_true", help="then profile one more 'on' round's camera loop")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)  # the subscribed page, internal
    args = parser.parse_args(argv)
    if args.client:
        return client_main()
    if args.rounds < 1 or args.shared < 1:
        parser.error("--rounds and --shared must be at least 1")

    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis is needed at {redis_url} (TEST_REDIS_URL): {error}") from None
    prefix = f"chamada-bench-monitor-{uuid.uuid4().hex[:8]}"
    env = {
        "ALLOWED_HOSTS": "localhost",
        "CHAMADA_EMBEDDED_CAMERAS": "0",
        "CHAMADA_EMBEDDED_MONITORS": "0",  # no host sampling in either process: it would be noise here
    }
    # No REDIS_URL: tasks in-process; Redis is set up below, as the camera services use it.
    with django_env("chamada-monitor-", env=env):
        _configure(redis_url, prefix)
        from django.conf import settings

        cameras, cookie = _school()
        frames = _frames()
        duration = frames[-1][0]
        modes = [OFF, ON] if args.no_naive else [OFF, ON, NAIVE]
        print(
            f"{len(frames)} frames of {CLIP.name} ({duration:.1f} s) replayed at their own rate; "
            f"{os.cpu_count()} CPUs; modes {', '.join(modes)}: {args.rounds} replay(s) each alone, {args.shared} "
            f"shared, after a warm-up; MONITOR_MAX_RATE={settings.MONITOR_MAX_RATE:g}; channel layer: Redis at "
            f"{redis_url}"
        )

        client = MonitorClient(
            {
                **os.environ,
                "BENCH_MONITOR_REDIS": redis_url,
                "BENCH_MONITOR_PREFIX": prefix,
                "BENCH_MONITOR_COOKIE": cookie,
            }
        )
        try:
            if not client.ready.wait(timeout=60):
                raise SystemExit("the monitor page did not connect")
            rounds, shared = _run(args, modes, cameras, frames, client)
            profile = None
            if args.profile:
                profile = cProfile.Profile()
                replay([ON], cameras, frames, profile)
        finally:
            client.close()
    _report(rounds, shared, modes, client)
    if profile is not None:
        print("profile of one 'on' round's camera loop (cumulative, the camera and monitoring code):")
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(
            r"cameras/|monitoring/|analytics|channels|asgiref", 25
        )
    _last_line(rounds, shared, modes)
    return 0


def _run(
    args: argparse.Namespace,
    modes: list[str],
    cameras: dict[str, int],
    frames: list[tuple[float, Any]],
    client: MonitorClient,
) -> tuple[list[Round], list[Round]]:
    replay(modes, cameras, frames)  # warm-up: models loaded, connections open, caches full, every code path run
    time.sleep(GRACE_S)
    print("each mode alone (its process CPU, and what reached the page):")
    rounds = []
    for index in range(args.rounds):
        order = modes[index % len(modes) :] + modes[: index % len(modes)]
        for mode in order:
            (result,) = replay([mode], cameras, frames)
            time.sleep(GRACE_S + 0.2)  # what it sent arrives before the next replay starts
            result.received = client.count(cameras[mode], result.started, result.ended + GRACE_S)
            rounds.append(result)
            print(
                f"  {index + 1} {mode:5}: ms per frame: loop wall {result.loop_ms():5.2f}, loop CPU "
                f"{result.thread_ms():5.2f}, process CPU {result.cpu_ms():5.2f} (sender {result.sender_ms():.2f}); "
                f"analysed/encoded {result.work}; sent {result.sent}, received {dict(sorted(result.received.items()))}"
            )
    print("every mode in one replay, frame by frame (their camera loops under the same conditions):")
    shared = []
    for index in range(args.shared):
        results = replay(modes, cameras, frames, seed=index)
        time.sleep(GRACE_S)
        shared.extend(results)
        print(
            f"  {index + 1}: ms per frame: "
            + "; ".join(
                f"{r.mode} loop wall {r.loop_ms():5.2f}, loop CPU {r.thread_ms():5.2f} {r.work}" for r in results
            )
        )
    return rounds, shared


def _of(rounds: list[Round], mode: str) -> list[Round]:
    return [result for result in rounds if result.mode == mode]


def _paired(rounds: list[Round], mode: str, measure: str) -> list[float]:
    """Per round, the cost of `mode` against that round's 'off' run (pairs tame the machine's drift)."""
    return [
        percent(getattr(this, measure)(), getattr(base, measure)())
        for this, base in zip(_of(rounds, mode), _of(rounds, OFF), strict=True)
    ]


def _report(rounds: list[Round], shared: list[Round], modes: list[str], client: MonitorClient) -> None:
    print(
        f"{'alone (medians, ms per frame)':30} {'loop wall':>9} {'cost':>7} {'loop CPU':>9} {'cost':>7} "
        f"{'proc CPU':>9} {'cost':>7} {'outside':>9} {'sender':>7} {'sent/s':>6} {'got/s':>6}  got/s by type"
    )
    for mode in modes:
        these = _of(rounds, mode)
        cells = [_cell(rounds, mode, measure) for measure in ("loop_ms", "thread_ms", "cpu_ms")]
        outside = median([r.outside_ms() for r in these])
        sender = median([r.sender_ms() for r in these])
        sent = median([r.sent / r.seconds for r in these])
        got = median([r.pipeline_messages() / r.seconds for r in these])
        kinds = sorted({kind for r in these for kind in r.received})
        by_kind = ", ".join(f"{kind} {median([r.received[kind] / r.seconds for r in these]):.2f}" for kind in kinds)
        print(
            f"{LABELS[mode]:30} {' '.join(cells)} {outside:9.2f} {sender:7.2f} {sent:6.2f} {got:6.2f}  {by_kind or '-'}"
        )
    print(f"{'shared (medians, ms per frame)':30} {'loop wall':>9} {'cost':>7} {'loop CPU':>9} {'cost':>7}")
    for mode in modes:
        print(f"{LABELS[mode]:30} {' '.join(_cell(shared, mode, m) for m in ('loop_ms', 'thread_ms'))}")
    for name, measured, measure in (
        ("alone, loop wall", rounds, "loop_ms"),
        ("alone, loop CPU", rounds, "thread_ms"),
        ("alone, process CPU", rounds, "cpu_ms"),
        ("shared, loop wall", shared, "loop_ms"),
        ("shared, loop CPU", shared, "thread_ms"),
    ):
        costs = ", ".join(f"{cost:+.1f}%" for cost in _paired(measured, ON, measure))
        print(f"  'on' against 'off', replay by replay, {name}: {costs}")
    if NAIVE in modes:
        per_send = [
            1000 * (naive.loop_s - on.loop_s) / naive.sent
            for naive, on in zip(_of(shared, NAIVE), _of(shared, ON), strict=True)
        ]
        print(f"  naive: each synchronous send holds the camera loop {median(per_send):.2f} ms longer than a post")
    print(
        f"  (per frame of the clip, {rounds[0].frames} a replay. loop wall / loop CPU: the camera thread's time in "
        "_handle_frame + _periodic, elapsed / its own CPU; proc CPU: this whole process, every thread; outside: proc "
        "CPU - loop CPU (the sender, asgiref's threads for synchronous sends, the replay itself); sender: the feed's "
        "sender thread; sent/s: messages the camera sent; got/s: its pipeline messages the subscribed page received. "
        f"The page's own process used {client.cpu_s or float('nan'):.1f} s CPU in all.)"
    )
    print(
        f"  process CPU cost, by parts: the camera loop {_delta(shared, 'thread_ms'):+.3f} ms per frame (shared), "
        f"outside it {_delta(rounds, 'outside_ms'):+.3f} ms (alone), of {_ms(rounds, 'cpu_ms', OFF):.2f} ms: "
        f"{_by_parts(rounds, shared):+.1f}%"
    )


def _delta(measured: list[Round], measure: str, mode: str = ON) -> float:
    """Median over the replays of `mode`'s `measure` minus that of the replay's 'off' run."""
    return median(
        [
            getattr(this, measure)() - getattr(base, measure)()
            for this, base in zip(_of(measured, mode), _of(measured, OFF), strict=True)
        ]
    )


def _ms(measured: list[Round], measure: str, mode: str) -> float:
    return median([getattr(r, measure)() for r in _of(measured, mode)])


def _by_parts(rounds: list[Round], shared: list[Round]) -> float:
    """The process CPU cost from its parts, each measured where it is least disturbed: the camera loop's extra CPU
    in the shared replays, the extra outside the loop (small, so little noise) in the replays alone."""
    return 100 * (_delta(shared, "thread_ms") + _delta(rounds, "outside_ms")) / _ms(rounds, "cpu_ms", OFF)


def _cell(rounds: list[Round], mode: str, measure: str) -> str:
    value = _ms(rounds, measure, mode)
    cost = "" if mode == OFF else f"{median(_paired(rounds, mode, measure)):+6.1f}%"
    return f"{value:9.2f} {cost:>7}"


def _last_line(rounds: list[Round], shared: list[Round], modes: list[str]) -> None:
    on = _of(rounds, ON)

    def cost(measured: list[Round], measure: str, mode: str = ON) -> float:
        return median(_paired(measured, mode, measure))

    def per_s(kind: str) -> float:
        return median([r.received[kind] / r.seconds for r in on])

    naive = ""
    if NAIVE in modes:
        naive = f"; naive synchronous sends: {cost(shared, 'loop_ms', NAIVE):+.1f}% camera loop wall"
    print(
        f"monitor: analytics + live monitor cost {cost(shared, 'thread_ms'):.1f}% of the camera loop "
        f"({_ms(shared, 'thread_ms', OFF):.2f} ms -> {_ms(shared, 'thread_ms', ON):.2f} ms CPU per frame; wall "
        f"{cost(shared, 'loop_ms'):+.1f}%), {_by_parts(rounds, shared):.1f}% of process CPU (the sender thread "
        f"{100 * _ms(rounds, 'sender_ms', ON) / _ms(rounds, 'cpu_ms', OFF):.1f}%; A/B alone "
        f"{cost(rounds, 'cpu_ms'):+.1f}%); {median([r.pipeline_messages() / r.seconds for r in on]):.1f} messages/s "
        f"per camera reached a subscribed client (frames {per_s('frames'):.1f}/s, analytics "
        f"{per_s('analytics'):.1f}/s, status {per_s('status'):.1f}/s){naive}; target <= {TARGET_PERCENT:g}%"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
