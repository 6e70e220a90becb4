"""Celery workers say they are alive: a Redis key per worker, rewritten every HEARTBEAT_S with a TTL.

/health counts the keys (``SCAN heartbeat:worker:*``). A worker that dies stops writing and its key expires; one
that shuts down cleanly deletes its own. Celery's own heartbeats are events that only an event consumer sees, and
the web process is none: a key is one SCAN away. Only with Redis (settings.REDIS_URL): embedded, tasks run
in-process and there is no worker to watch.

Connected from MonitoringConfig.ready() (``worker_heartbeat.connect()``); the signals only fire in a worker.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

import redis
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "heartbeat:worker:"
HEARTBEAT_S = 10.0
#: Three beats: one lost to a busy worker or a slow Redis does not make the worker look dead.
TTL_S = 3 * HEARTBEAT_S


def worker_key(hostname: str) -> str:
    return f"{KEY_PREFIX}{hostname}"


class WorkerHeartbeat:
    """A daemon thread that writes the worker's key now and every ``interval_s``, until ``stop()``."""

    def __init__(self, url: str, hostname: str, *, interval_s: float = HEARTBEAT_S, ttl_s: float = TTL_S) -> None:
        self.hostname = hostname
        self.key = worker_key(hostname)
        self.interval_s = interval_s
        self.ttl_ms = max(1, round(ttl_s * 1000))
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def start(self) -> WorkerHeartbeat:
        self._thread.start()
        return self

    def beat(self) -> None:
        value = json.dumps({"hostname": self.hostname, "pid": os.getpid(), "at": time.time()})
        self._client.set(self.key, value, px=self.ttl_ms)

    def stop(self) -> None:
        """Stop beating and delete the key: a worker that left on purpose is not reported as lost."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        try:
            self._client.delete(self.key)
        except redis.RedisError:
            logger.warning("worker heartbeat %s could not be deleted; it expires by itself", self.key)
        finally:
            self._client.close()

    def _run(self) -> None:
        while True:
            try:
                self.beat()
            except Exception:
                # Redis away: keep trying; the key expires meanwhile, which is the truth.
                logger.warning("worker heartbeat %s could not be written", self.key, exc_info=True)
            if self._stop.wait(self.interval_s):
                return


_lock = threading.Lock()
_current: WorkerHeartbeat | None = None


def on_worker_ready(sender: Any = None, **kwargs: Any) -> None:
    """Start beating for this worker (its node name, e.g. ``celery@host``)."""
    global _current
    url = str(getattr(settings, "REDIS_URL", "") or "")
    hostname = str(getattr(sender, "hostname", "") or "")
    if not url or not hostname:
        return
    with _lock:
        if _current is not None:
            _current.stop()
        _current = WorkerHeartbeat(url, hostname).start()


def on_worker_shutdown(sender: Any = None, **kwargs: Any) -> None:
    global _current
    with _lock:
        beating, _current = _current, None
    if beating is not None:
        beating.stop()


def connect() -> None:
    worker_ready.connect(on_worker_ready, weak=False, dispatch_uid="monitoring.worker_heartbeat.ready")
    worker_shutdown.connect(on_worker_shutdown, weak=False, dispatch_uid="monitoring.worker_heartbeat.shutdown")
