"""Real Celery workers for tests: the project's Celery configuration on a Redis broker, and a worker subprocess.

Gallery worker tests use their own Redis database (PHOTOS_REDIS_DB) so that a message left behind by an interrupted
run never reaches the databases others use: 12 and 13 (bench/gallery.py, bench/latency.py), 14 (camera worker tests),
15 (TEST_REDIS_URL). Two test sessions sharing one Redis server would still take each other's `photos` messages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psutil
import pytest
import redis
from celery import Celery

from school.celery import app as project_app
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"

#: The Redis database of the gallery worker tests (broker, and cache and channel layer of a worker subprocess).
PHOTOS_REDIS_DB = 11


def redis_db_url(redis_url: str, db: int = PHOTOS_REDIS_DB) -> str:
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{db}"))


def clear_photos_queue(broker_url: str) -> None:
    """Drop what an interrupted run left: queued `photos` messages and messages a killed worker never acked."""
    client = redis.Redis.from_url(broker_url)
    try:
        client.delete("photos", "unacked", "unacked_index", "unacked_mutex")
    finally:
        client.close()


def redis_celery_app(broker_url: str) -> Celery:
    """The project's Celery configuration (CELERY_* settings: routes, acks_late...) on a real broker, not eager.

    It becomes the current app only when a worker starts in this process or `as_current_app` is entered, so tasks
    sent before (the encodings of enrollment fixtures) still run in-process.
    """
    app = Celery("chamada-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url, task_always_eager=False, worker_hijack_root_logger=False)
    return app


@contextmanager
def as_current_app(app: Celery) -> Iterator[Celery]:
    """Within the block, tasks sent from this process (`.delay()`, on-commit queueing) go to `app`'s broker."""
    app.set_current()
    app.set_default()
    try:
        yield app
    finally:
        project_app.set_current()
        project_app.set_default()


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database of a Django connection's settings (the test database, once created)."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@dataclass
class WorkerProcess:
    """`celery -A school worker` in its own process group, as a deployment runs it."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def pool_children(self) -> list[int]:
        """The pids of the prefork pool's live child processes."""
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []
        alive = []
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE:
                    alive.append(child.pid)
            except psutil.NoSuchProcess:
                pass
        return alive

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): a crashed node, an OOM-killed container."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL for whatever is still running."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # pool children that outlived their parent, if any
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def start_worker_process(
    env: dict[str, str],
    log_path: Path,
    *,
    name: str,
    queues: str = "photos",
    pool: str = "prefork",
    concurrency: int = 1,
    timeout: float = 45,
) -> WorkerProcess:
    """Start a worker subprocess with `env` (on top of this process's environment) and wait until it says it is
    ready (consuming its queues).

    Not a ping through the broker: the ping's reply consumer would leave this process a broker connection in the
    middle of a BRPOP, which the kombu cleanup in a later forked child (asgi_live_server's daphne) then waits on
    forever."""
    log = log_path.open("ab")
    try:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "school",
                "worker",
                "-Q",
                queues,
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole, never this test's process
        )
    finally:
        log.close()
    worker = WorkerProcess(name, process, log_path)
    try:
        wait_until(
            lambda: _ready(worker),
            timeout,
            lambda: f"worker {name} did not get ready:\n{worker.log_tail()}",
        )
    except BaseException:
        worker.stop()
        raise
    return worker


def _ready(worker: WorkerProcess) -> bool:
    if worker.process.poll() is not None:
        pytest.fail(f"worker {worker.name} exited with {worker.process.returncode}:\n{worker.log_tail()}")
    time.sleep(0.1)
    return any(
        f"{worker.name}@" in line and line.rstrip().endswith("ready.") for line in worker.log_tail().splitlines()
    )
