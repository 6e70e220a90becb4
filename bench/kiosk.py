"""Kiosk load: N kiosks (10, then 50) on loopback, each sending a webcam frame a second to one daphne.

Run: `make bench-kiosk` (or `.venv/bin/python -W ignore -m bench.kiosk [--clients 10,50] [--seconds 20]
[--workers 1,2] [--no-naive]`); needs nothing but the virtual environment. A throw-away SQLite database (WAL) holds
classroom 3AT.I in session with Lin-Manuel Miranda enrolled from his portrait and a teacher, whose session cookie the
clients send. For each mode and N a fresh daphne serves the project on a free port (bench/kiosk_naive.py: in-memory
channel layer, no embedded cameras or monitors); one kiosk warms it up (models loaded, the matcher built), /health
is timed idle, then N clients (asyncio + the `websockets` library, as many real sockets) open /ws/frames/3AT.I/ and
each sends a frame of him looking at the camera once a second, spread over the second, for --seconds. Every frame
has bytes of its own (a webcam never sends the same bytes twice: 20 noisy JPEGs, each tagged per client with a JPEG
comment), so the frame cache never answers and every frame is real work. Meanwhile two threads of this process time
a GET every 0.2 s: /health (the Django view, its checks in threads) and /bench/ping (answered by daphne's event loop
itself).

Measured per run: frames sent, answered (replies within the window) and dropped; a client knows which frames the
server dropped, as the socket keeps one frame in flight and drops what comes meanwhile: a frame sent while the
previous one is unanswered gets no reply (the server's own count, from /health, is shown beside). Reply latency is
from sending a frame to its reply; "work" is the server's processing_time of the reply, so latency - work is the
time the frame waited for a worker. Pool busy: the work of the answered frames over KIOSK_WORKERS x the window. The
probe in the server records how late a 20 ms event-loop task and a 20 ms thread wake up (lag): the loop's is time the
event loop was busy, the thread's is time the GIL or a CPU was not to be had. Disconnects: sockets closed by the
server during the run, plus those that failed to open; a server that dies during a run is reported with how.

The naive approach runs in the same run: the same project but for its kiosk socket, which recognises each frame
inline on the event loop (no pool, nothing dropped: frames queue up and are all answered, late). The machine's two
cores are shared by the server, these clients and the pollers. Then, to tell why /health waits, this process times
which of the pipeline's dlib calls hold the GIL. BENCH_KIOSK_KEEP=1 keeps the servers' logs and probe samples. The
last line is the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from bench.django_env import django_env

ROOT = Path(__file__).resolve().parents[1]
PORTRAIT = ROOT / "tests" / "fixtures" / "faces" / "lin-manuel-miranda.png"
CLASSROOM = "3AT.I"
POOLED, NAIVE = "pooled", "naive"
FRAME_INTERVAL_S = 1.0
#: Distinct pictures each client cycles through (all in bytes of their own).
PICTURES = 20
POLL_EVERY_S = 0.2
#: A /health that takes longer counts as this long (and as a timeout).
HTTP_TIMEOUT_S = 10.0
#: After the window, how long the clients wait for the replies still due before closing.
GRACE_S = 1.0
IDLE_SAMPLES = 15
TARGET_P95_MS = 100.0


# --- figures ---------------------------------------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(value: float) -> str:
    return "-" if value != value else f"{1000 * value:.0f}"  # NaN: no sample


@dataclass
class ClientResult:
    sent: int = 0
    answered: int = 0  # replies that came within the window
    dropped: int = 0  # frames sent while the previous one was unanswered (pooled: the server drops them)
    unanswered: int = 0  # frames still owed a reply when the client closed
    errors: int = 0  # detection_error replies
    latencies: list[float] = field(default_factory=list)
    work: list[float] = field(default_factory=list)
    window_work: float = 0.0  # the work of the replies that came within the window
    disconnected: str = ""  # why the server closed the socket, or why it did not open


@dataclass
class Polled:
    samples: list[tuple[float, float, bool]] = field(default_factory=list)  # (when it started, seconds, timed out)
    failed: list[float] = field(default_factory=list)  # when a request that failed otherwise (refused, reset) started
    last_body: bytes = b""

    def within(self, start: float, end: float) -> list[float]:
        return [seconds for at, seconds, _late in self.samples if start <= at <= end]

    def timeouts(self, start: float, end: float) -> int:
        return sum(1 for at, _seconds, late in self.samples if late and start <= at <= end)


@dataclass
class Run:
    mode: str
    clients: int
    seconds: float
    workers: int
    results: list[ClientResult]
    health: Polled
    ping: Polled
    idle_health: list[float]
    loop_lag: list[float]
    thread_lag: list[float]
    server: dict[str, Any]  # the kiosk figures of /health over the window (differences)
    cpu: dict[str, float]  # over the window: the server's and this process's CPU (1.0: one core), the machine's
    died: str  # how the server ended by itself during the run ("": it did not)
    start: float = 0.0
    end: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(result, name) for result in self.results)

    def values(self, name: str) -> list[float]:
        return [value for result in self.results for value in getattr(result, name)]

    def per_s(self, name: str) -> float:
        return self.total(name) / self.seconds

    def label(self) -> str:
        if self.mode == NAIVE:
            return "naive (on the event loop)"
        return f"pooled ({self.workers} worker{'s' if self.workers > 1 else ''})"

    def disconnects(self) -> int:
        return sum(1 for result in self.results if result.disconnected)

    def health_ms(self, fraction: float) -> str:
        """The /health percentile in ms; ">=" when it is a request that timed out (it would have taken longer)."""
        value = percentile(self.health.within(self.start, self.end), fraction)
        return f"{'>=' if value >= HTTP_TIMEOUT_S else ''}{ms(value)}"

    def busy(self) -> float:
        """The share of the workers' time spent on the answered frames (the event loop's, naive)."""
        return sum(result.window_work for result in self.results) / (self.workers * self.seconds)


# --- the server ------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, timeout: float = HTTP_TIMEOUT_S) -> tuple[int, bytes, float]:
    """(status, body, seconds) of a GET on a new connection, as a load balancer's probe makes it."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, time.monotonic() - started


class Server:
    """daphne on a free port, serving bench/kiosk_naive.py's `mode` application."""

    def __init__(self, mode: str, workers: int, workdir: Path, name: str) -> None:
        self.port = free_port()
        self.probe = workdir / f"probe-{name}.txt"
        self.log_path = workdir / f"daphne-{name}.log"
        # PYTHONFAULTHANDLER: a crash in C code (a segfault) leaves every thread's Python stack in the log.
        env = {
            **os.environ,
            "BENCH_KIOSK_PROBE": str(self.probe),
            "KIOSK_WORKERS": str(workers),
            "PYTHONFAULTHANDLER": "1",
        }
        if mode == NAIVE:
            env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # its consumer's ORM calls run on the event loop
        daphne = Path(sys.executable).with_name("daphne")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *(str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "--access-log", os.devnull),
                    f"bench.kiosk_naive:{mode}",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"daphne exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if get(self.port, "/bench/ping", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"daphne did not answer within {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def crash(self) -> str:
        """The crashing thread's stack, from the fault handler's report in the log ("" without one)."""
        log = self.log_path.read_text(errors="replace")
        if "Fatal Python error" not in log:
            return self.log_tail()[-600:]
        report = log[log.index("Fatal Python error") :].splitlines()
        current = next((n for n, line in enumerate(report) if line.startswith("Current thread")), 0)
        stack = []
        for line in report[current:]:
            if not line.strip():
                break
            stack.append(line)
        return "\n".join([report[0], *stack[:8]])

    def lags(self, start: float, end: float) -> tuple[list[float], list[float]]:
        """The probe's samples in [start, end]: how late the event-loop task and the thread woke up."""
        lags: dict[str, list[float]] = {"loop": [], "thread": []}
        if self.probe.exists():
            for line in self.probe.read_text().splitlines():
                kind, at, late = line.split()
                if start <= float(at) <= end:
                    lags[kind].append(float(late))
        return lags["loop"], lags["thread"]

    def exit_status(self) -> str:
        """How the server ended, if it did by itself ("" while it runs)."""
        code = self.process.poll()
        if code is None:
            return ""
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exited with {code}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:  # the naive one's event loop is still busy with its backlog
            self.process.kill()
            self.process.wait()


class Poller:
    """A GET of `path` every POLL_EVERY_S (or as soon as the last one is answered, when that took longer)."""

    def __init__(self, port: int, path: str) -> None:
        self.port, self.path = port, path
        self.polled = Polled()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poll {path}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            started = time.monotonic()
            next_at = started + POLL_EVERY_S
            try:
                _status, body, seconds = get(self.port, self.path)
            except TimeoutError:
                self.polled.samples.append((started, HTTP_TIMEOUT_S, True))
                continue
            except (OSError, http.client.HTTPException):
                self.polled.failed.append(started)
                continue
            self.polled.samples.append((started, seconds, False))
            self.polled.last_body = body

    def stop(self) -> Polled:
        self._stop.set()
        self._thread.join(timeout=HTTP_TIMEOUT_S + 1)
        return self.polled


class CPU:
    """CPU time of the server, of this process and of the machine, from a start to a stop."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.server, self.here = psutil.Process(pid), psutil.Process()
        self.started = self._now()

    def _now(self) -> tuple[float, float, float, float, float]:
        import psutil

        server, here, machine = self.server.cpu_times(), self.here.cpu_times(), psutil.cpu_times()
        busy = sum(getattr(machine, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))
        return (
            time.monotonic(),
            server.user + server.system,
            here.user + here.system,
            busy,
            busy + machine.idle + getattr(machine, "iowait", 0.0),
        )

    def stop(self) -> dict[str, float]:
        now = self._now()
        wall, server, here, busy, total = (after - before for after, before in zip(now, self.started, strict=True))
        return {"server": server / wall, "bench": here / wall, "machine": busy / total if total else float("nan")}


def kiosk_figures(body: bytes) -> dict[str, Any]:
    try:
        return dict(json.loads(body)["live"]["kiosk"])
    except (ValueError, KeyError, TypeError):
        return {}


def difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    if not after or not before:
        return {}
    return {
        "frames": after["frames"] - before["frames"],
        "busy": after["dropped"]["busy"] - before["dropped"]["busy"],
        "rate_limit": after["dropped"]["rate_limit"] - before["dropped"]["rate_limit"],
        "cache_hits": after["cache"]["hits"] - before["cache"]["hits"],
    }


# --- the kiosks ------------------------------------------------------------------------------------------------
async def open_socket(port: int, cookie: str) -> Any:
    from websockets.asyncio.client import connect

    return await connect(
        f"ws://127.0.0.1:{port}/ws/frames/{CLASSROOM}/",
        origin="http://localhost",  # type: ignore[arg-type]  # websockets' Origin is a NewType of str
        additional_headers={"Cookie": f"sessionid={cookie}"},
        proxy=None,
        ping_interval=None,  # as a browser: no pings of its own, only the server's
        open_timeout=30,
        close_timeout=1,
        max_size=None,
    )


async def warm_up(port: int, cookie: str, frames: list[bytes]) -> None:
    """One kiosk, a few frames answered one by one: the server's models are loaded and its matcher built."""
    connection = await open_socket(port, cookie)
    try:
        for frame in frames:
            await connection.send(frame)
            await asyncio.wait_for(connection.recv(), timeout=60)
            await asyncio.sleep(0.15)
    finally:
        await connection.close()


async def drive(
    connection: Any, index: int, clients: int, frames: list[bytes], start: float, end: float, queued: bool
) -> ClientResult:
    """Send a frame a second in [start, end), at this client's offset in the second; collect the replies.

    `queued`: the server answers every frame in turn (naive); otherwise it keeps one in flight and drops the rest.
    """
    from websockets.exceptions import ConnectionClosed

    result = ClientResult()
    owed: deque[float] = deque()  # when each frame still owed a reply was sent

    async def read() -> None:
        async for message in connection:
            now = time.monotonic()
            reply = json.loads(message)
            sent_at = owed.popleft() if owed else now
            if reply.get("type") != "detection_results":
                result.errors += 1
                continue
            result.latencies.append(now - sent_at)
            result.work.append(float(reply["processing_time"]))
            if now <= end:
                result.answered += 1
                result.window_work += result.work[-1]

    reader = asyncio.create_task(read())
    send_at = start + FRAME_INTERVAL_S * index / clients
    try:
        while send_at < end and not reader.done():
            await asyncio.sleep(max(0.0, send_at - time.monotonic()))
            sent_at = time.monotonic()
            await connection.send(frames[result.sent % len(frames)])
            result.sent += 1
            if queued or not owed:
                owed.append(sent_at)
            else:
                result.dropped += 1
            send_at += FRAME_INTERVAL_S
        await asyncio.wait({reader}, timeout=max(0.0, end + GRACE_S - time.monotonic()))
        if reader.done():  # the server closed the socket
            error = reader.exception()
            result.disconnected = f"closed {connection.close_code} {error!r}"
    except ConnectionClosed as closed:
        result.disconnected = f"closed while sending: {closed!r}"
    finally:
        result.unanswered = len(owed)
        reader.cancel()
        await connection.close()
    return result


async def load(
    mode: str, port: int, cookie: str, frames: list[list[bytes]], clients: int, seconds: float
) -> tuple[list[ClientResult], float, float]:
    opened = await asyncio.gather(*(open_socket(port, cookie) for _ in range(clients)), return_exceptions=True)
    start = time.monotonic() + 0.5
    end = start + seconds
    results = await asyncio.gather(
        *(
            drive(connection, index, clients, frames[index], start, end, queued=mode == NAIVE)
            for index, connection in enumerate(opened)
            if not isinstance(connection, BaseException)
        )
    )
    failed = [ClientResult(disconnected=f"did not open: {e!r}") for e in opened if isinstance(e, BaseException)]
    return [*results, *failed], start, end


def one_run(
    mode: str, clients: int, seconds: float, workers: int, cookie: str, frames: list[list[bytes]], workdir: Path
) -> Run:
    server = Server(mode, workers, workdir, f"{mode}-{workers}-{clients}")
    try:
        server.wait_ready()
        asyncio.run(warm_up(server.port, cookie, [tagged(frames[0][0], f"warm-up {n}") for n in range(4)]))
        idle, before = [], b""
        for _sample in range(IDLE_SAMPLES):
            _status, before, seconds_taken = get(server.port, "/health")
            idle.append(seconds_taken)
            time.sleep(POLL_EVERY_S)
        health, ping = Poller(server.port, "/health"), Poller(server.port, "/bench/ping")
        cpu = CPU(server.process.pid)
        results, start, end = asyncio.run(load(mode, server.port, cookie, frames, clients, seconds))
        cpu_used = cpu.stop()
        health_polled, ping_polled = health.stop(), ping.stop()
        loop_lag, thread_lag = server.lags(start, end)
        died = server.exit_status()
        if died:
            print(f"  daphne {died} during the run:\n{server.crash()}")
    finally:
        server.stop()
    run = Run(
        mode,
        clients,
        seconds,
        workers,
        results,
        health_polled,
        ping_polled,
        idle,
        loop_lag,
        thread_lag,
        difference(kiosk_figures(health_polled.last_body), kiosk_figures(before)),
        cpu_used,
        died,
        start,
        end,
    )
    return run


# --- the school and the frames ---------------------------------------------------------------------------------
def _school() -> str:
    """Classroom 3AT.I in session, Lin-Manuel Miranda enrolled from his portrait, its teacher; her session key."""
    import datetime as dt

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from recognition.services.enrollment import add_face_photo
    from school.models import TEACHERS_GROUP, Classroom, Enrollment, LessonSchedule, Student

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")  # kept by the file: the server's threads read while one writes
    classroom = Classroom.objects.create(code=CLASSROOM, name="Bench", school_year=timezone.localdate().year)
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
    return str(browser.cookies["sessionid"].value)


def tagged(jpeg: bytes, tag: str) -> bytes:
    """The same picture in bytes of its own: a JPEG comment (COM segment) right after the start-of-image marker."""
    text = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


def _frames(clients: int) -> list[list[bytes]]:
    """Per client, PICTURES frames of him looking at the camera (webcam noise), each in bytes of its own."""
    # The kiosk tests' frames; imported by name, as mypy checks the bench but not the test helpers.
    open_eyes = import_module("tests.cameras.kiosk_frames").open_eyes
    pictures = [open_eyes(PORTRAIT.name, seed) for seed in range(PICTURES)]
    return [
        [tagged(pictures[(client + number) % PICTURES], f"client {client} {number}") for number in range(PICTURES)]
        for client in range(clients)
    ]


# --- why ------------------------------------------------------------------------------------------------------
def gil_held(frame: bytes, seconds: float = 1.5) -> list[tuple[str, float, float]]:
    """Which steps of a kiosk frame keep the other threads of the process out, measured here with nothing else
    running: for each dlib call of the pipeline, (name, seconds a call, p95 of how late a 5 ms ticker thread wakes
    up while another thread makes that call back to back). A call that lets go of the GIL leaves the ticker on time;
    one that holds it makes it late by about its own length."""
    from cameras.services.kiosk import decode_frame
    from cameras.services.recognition import camera_detector
    from recognition.engine.liveness import face_landmarks

    image = decode_frame(frame)
    detector = camera_detector()
    boxes = detector.detect(image, upsample=1)[:1]
    steps = [
        ("HOG detection, upsample 1 (deep scan)", lambda: detector.detect(image, upsample=1)),
        ("HOG detection, upsample 0", lambda: detector.detect(image, upsample=0)),
        ("face encoding (128-d descriptor)", lambda: detector.encode(image, boxes)),
        ("68 landmarks (liveness)", lambda: face_landmarks(image, boxes[0])),
    ]
    measured = []
    for name, step in steps:
        step()
        done = threading.Event()
        calls: list[float] = []
        late: list[float] = []

        def work(step: Any = step, calls: list[float] = calls, done: threading.Event = done) -> None:
            while not done.is_set():
                started = time.perf_counter()
                step()
                calls.append(time.perf_counter() - started)

        def tick(late: list[float] = late, done: threading.Event = done) -> None:
            while not done.is_set():
                started = time.perf_counter()
                time.sleep(0.005)
                late.append(time.perf_counter() - started - 0.005)

        threads = [threading.Thread(target=work), threading.Thread(target=tick)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        done.set()
        for thread in threads:
            thread.join()
        measured.append((name, percentile(calls, 0.5), percentile(late, 0.95)))
    return measured


def _why(frame: bytes) -> None:
    print(
        "which steps hold the GIL (this process, nothing else running; a 5 ms ticker thread beside a thread making "
        "the call back to back):"
    )
    for name, call_s, late_s in gil_held(frame):
        verdict = "holds the GIL" if late_s > max(call_s / 2, 0.005) else "the other threads barely wait"
        print(f"  {name:38} {1000 * call_s:6.1f} ms a call; the ticker {1000 * late_s:6.1f} ms late (p95): {verdict}")


# --- the report ------------------------------------------------------------------------------------------------
def _report(runs: list[Run]) -> None:
    print(
        f"{'frames':26} {'N':>3} {'sent/s':>6} {'answered/s':>10} {'dropped/s':>9} {'owed':>4} "
        f"{'latency p50':>11} {'p95':>6} {'max':>6} {'work p50':>8} {'busy':>5} {'server: done':>12} "
        f"{'busy drops':>10} {'disconnects':>11}"
    )
    for run in runs:
        server = run.server
        latencies = run.values("latencies")
        print(
            f"{run.label():26} {run.clients:3d} {run.per_s('sent'):6.1f} {run.per_s('answered'):10.1f} "
            f"{run.per_s('dropped'):9.1f} {run.total('unanswered'):4d} {ms(percentile(latencies, 0.5)):>9}ms "
            f"{ms(percentile(latencies, 0.95)):>4}ms {ms(max(latencies, default=float('nan'))):>4}ms "
            f"{ms(percentile(run.values('work'), 0.5)):>6}ms {100 * run.busy():4.0f}% "
            f"{server.get('frames', '-')!s:>12} {server.get('busy', '-')!s:>10} {run.disconnects():11d}"
        )
    print(
        f"{'responsiveness (ms)':26} {'N':>3} {'/health idle p50':>16} {'p50':>5} {'p95':>7} {'max':>6} {'n':>3} "
        f"{'t/o':>3} {'err':>3} {'ping p50':>8} {'p95':>5} {'max':>6} {'loop lag p95':>12} {'max':>6} "
        f"{'thread lag p95':>14} {'max':>5} {'CPU server':>10} {'bench':>5} {'machine':>7}"
    )
    for run in runs:
        health = run.health.within(run.start, run.end)
        ping = run.ping.within(run.start, run.end)
        print(
            f"{run.label():26} {run.clients:3d} {ms(percentile(run.idle_health, 0.5)):>16} "
            f"{run.health_ms(0.5):>5} {run.health_ms(0.95):>7} {ms(max(health, default=float('nan'))):>6} "
            f"{len(health):3d} {run.health.timeouts(run.start, run.end):3d} "
            f"{sum(1 for at in run.health.failed if run.start <= at <= run.end):3d} "
            f"{ms(percentile(ping, 0.5)):>8} {ms(percentile(ping, 0.95)):>5} {ms(max(ping, default=float('nan'))):>6} "
            f"{ms(percentile(run.loop_lag, 0.95)):>12} {ms(max(run.loop_lag, default=float('nan'))):>6} "
            f"{ms(percentile(run.thread_lag, 0.95)):>14} {ms(max(run.thread_lag, default=float('nan'))):>5} "
            f"{100 * run.cpu['server']:9.0f}% {100 * run.cpu['bench']:4.0f}% {100 * run.cpu['machine']:6.0f}%"
        )
    for run in runs:
        if run.total("errors"):
            print(f"  {run.label()}, N={run.clients}: {run.total('errors')} detection_error replies")
        reasons = Counter(result.disconnected for result in run.results if result.disconnected)
        if reasons:
            print(f"  {run.label()}, N={run.clients}: disconnects {dict(reasons)}")
        if run.died:
            print(f"  {run.label()}, N={run.clients}: daphne {run.died} during the run")
    print(
        "  (sent/answered/dropped: frames a second, all clients; owed: frames unanswered when the clients closed; "
        "latency: send -> reply; work: the reply's processing_time; busy: work of the frames answered in the window "
        "over the workers' time; server: frames processed and busy drops by /health's count; /health idle: before "
        f"the load; n, t/o, err: /health requests in the window, those past {HTTP_TIMEOUT_S:.0f} s (counted as "
        f"{HTTP_TIMEOUT_S:.0f} s) and those refused or cut (not counted); ping: /bench/ping, answered by the event "
        "loop; lags: how late a 20 ms event-loop task and a 20 ms thread woke up in the server; CPU: server and "
        "bench processes (100% = one core), the machine (100% = all cores), over the run)"
    )


def _last_line(runs: list[Run], workers: int) -> None:
    pooled = [run for run in runs if run.mode == POOLED and run.workers == workers]
    naive = [run for run in runs if run.mode == NAIVE]
    top = max(pooled, key=lambda run: run.clients)
    saturated = "pool saturated" if top.per_s("dropped") > 0 else "pool not saturated"
    line = (
        f"kiosk: /health p95 {top.health_ms(0.95)} ms under {top.clients} clients ({saturated}: "
        f"{top.per_s('answered'):.1f} frames/s answered, {top.per_s('dropped'):.1f}/s dropped, reply p95 "
        f"{ms(percentile(top.values('latencies'), 0.95))} ms), {sum(run.disconnects() for run in pooled)} disconnects"
    )
    crashes = [f"N={run.clients}: {run.died}" for run in pooled if run.died]
    if crashes:
        line += f" (daphne died: {', '.join(crashes)})"
    if naive:
        worst = max(naive, key=lambda run: run.clients)
        line += (
            f"; naive (recognition on the event loop): /health p95 {worst.health_ms(0.95)} ms under "
            f"{worst.clients} clients, reply p95 {ms(percentile(worst.values('latencies'), 0.95))} ms, "
            f"{worst.disconnects()} disconnects"
        )
    print(f"{line}; target /health p95 < {TARGET_P95_MS:.0f} ms, 0 disconnects")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", default="10,50", help="comma-separated numbers of kiosks (default 10,50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run (default 20)")
    parser.add_argument(
        "--workers", default="", help="comma-separated KIOSK_WORKERS for the pooled server (default: the setting)"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive server")
    args = parser.parse_args(argv)
    try:
        counts = [int(count) for count in args.clients.split(",")]
        pools = [int(workers) for workers in args.workers.split(",") if workers]
    except ValueError:
        parser.error("--clients and --workers take comma-separated numbers")
    if min(counts) < 1 or min(pools, default=1) < 1 or args.seconds <= 0:
        parser.error("--clients and --workers need numbers from 1, --seconds a positive time")

    env = {"ALLOWED_HOSTS": "localhost,127.0.0.1", "CHAMADA_EMBEDDED_CAMERAS": "0", "CHAMADA_EMBEDDED_MONITORS": "0"}
    keep = bool(os.environ.get("BENCH_KIOSK_KEEP"))
    # No REDIS_URL: in-memory channel layer, local cache: one web process and nothing else.
    with django_env("chamada-kiosk-", env=env, keep=keep) as workdir:
        from django.conf import settings
        from django.db import connections

        pools = pools or [settings.KIOSK_WORKERS]
        servers = [(POOLED, workers) for workers in pools] + ([] if args.no_naive else [(NAIVE, 1)])
        try:
            cookie = _school()
            frames = _frames(max(counts))
            connections.close_all()  # from here on only the server uses the database
            print(
                f"{len(servers)} servers x N in {counts} kiosks, {args.seconds:g} s each: a "
                f"{len(frames[0][0]) // 1024} KiB frame every {FRAME_INTERVAL_S:g} s per kiosk; KIOSK_WORKERS "
                f"{', '.join(map(str, pools))}, MIN_FRAME_INTERVAL={settings.MIN_FRAME_INTERVAL:g} s, "
                f"{os.cpu_count()} CPUs; one daphne, in-memory channel layer, SQLite (WAL)"
            )
            runs = []
            for mode, workers in servers:
                for count in counts:
                    run = one_run(mode, count, args.seconds, workers, cookie, frames, workdir)
                    runs.append(run)
                    print(
                        f"  {run.label()}, N={count}: {run.per_s('answered'):.1f} answered/s, /health p95 "
                        f"{run.health_ms(0.95)} ms, {run.disconnects()} disconnects",
                        flush=True,
                    )
        finally:
            if keep:
                print(f"kept {workdir}")
    _why(frames[0][0])
    _report(runs)
    _last_line(runs, pools[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
