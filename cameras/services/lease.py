"""One processor per camera, whatever the number of workers: a lease with an owner and an expiry.

With Redis (settings.REDIS_URL) the lease is the key ``camera:<id>:lease``: taken with ``SET NX PX``, extended and
released by Lua scripts that first compare the owner, so a processor that lost its lease (paused past the expiry
and taken over) can neither extend nor delete its successor's. A holder that dies simply stops heartbeating and
the lease expires, after which another worker takes the camera over.

Embedded (no Redis) the same interface is backed by an in-process registry with the same expiry rules: everything
runs in one process there, so nothing else could contend anyway.

A lease can be taken on any key, not only a camera's: ``acquire_key_lease("monitors:cameras:lease")`` is how the
monitors make sure that exactly one process in the school runs them. ``Lease`` is the camera's case of it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

import redis

from cameras.services.connections import redis_client, redis_url

logger = logging.getLogger(__name__)

#: A dead holder's camera is taken over at most this long after its last heartbeat.
LEASE_TTL_S = 15.0
#: Three heartbeats per TTL: one lost to a slow Redis or a busy CPU does not lose the lease.
HEARTBEAT_S = 5.0

_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class LeaseStore(Protocol):
    def acquire(self, key: str, owner: str, ttl_ms: int) -> bool: ...
    def extend(self, key: str, owner: str, ttl_ms: int) -> bool: ...
    def release(self, key: str, owner: str) -> bool: ...
    def holder(self, key: str) -> str | None: ...


class RedisLeaseStore:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._extend = client.register_script(_EXTEND)
        self._release = client.register_script(_RELEASE)

    def acquire(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(self._client.set(key, owner, nx=True, px=ttl_ms))

    def extend(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(self._extend(keys=[key], args=[owner, ttl_ms]))

    def release(self, key: str, owner: str) -> bool:
        return bool(self._release(keys=[key], args=[owner]))

    def holder(self, key: str) -> str | None:
        value = self._client.get(key)
        return value.decode() if isinstance(value, bytes) else None


class MemoryLeaseStore:
    """The embedded registry: key -> (owner, monotonic expiry); expired entries count as absent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[str, tuple[str, float]] = {}

    def _live_owner(self, key: str, now: float) -> str | None:
        entry = self._leases.get(key)
        if entry is None or entry[1] <= now:
            self._leases.pop(key, None)
            return None
        return entry[0]

    def acquire(self, key: str, owner: str, ttl_ms: int) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._live_owner(key, now) is not None:
                return False
            self._leases[key] = (owner, now + ttl_ms / 1000)
            return True

    def extend(self, key: str, owner: str, ttl_ms: int) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._live_owner(key, now) != owner:
                return False
            self._leases[key] = (owner, now + ttl_ms / 1000)
            return True

    def release(self, key: str, owner: str) -> bool:
        with self._lock:
            if self._live_owner(key, time.monotonic()) != owner:
                return False
            del self._leases[key]
            return True

    def holder(self, key: str) -> str | None:
        with self._lock:
            return self._live_owner(key, time.monotonic())


_memory_store = MemoryLeaseStore()


def lease_store() -> LeaseStore:
    """Redis when settings.REDIS_URL is set, else the in-process registry (read at each call: tests switch)."""
    url = redis_url()
    return RedisLeaseStore(redis_client(url)) if url else _memory_store


def lease_key(camera_id: int) -> str:
    return f"camera:{camera_id}:lease"


def queued_key(camera_id: int) -> str:
    return f"camera:{camera_id}:queued"


def new_owner() -> str:
    """Unique per processor run; host and pid make a stuck lease traceable to its process."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


@dataclass
class KeyLease:
    """A lease held on ``key`` by ``owner``: kept with ``heartbeat()``, given up with ``release()``."""

    key: str
    owner: str
    ttl_s: float = LEASE_TTL_S
    store: LeaseStore = field(default_factory=lease_store)

    @property
    def label(self) -> str:
        """What the lease is for, in log lines and thread names."""
        return self.key

    def heartbeat(self) -> bool:
        """Push the expiry back; False when the lease is no longer ours (expired, taken over, released)."""
        return self.store.extend(self.key, self.owner, _ms(self.ttl_s))

    def release(self) -> bool:
        """Give the lease up at once (only if still ours); False when someone else holds it now."""
        return self.store.release(self.key, self.owner)


class Lease(KeyLease):
    """A camera's lease (key ``camera:<id>:lease``): whoever holds it runs the camera's processor."""

    def __init__(self, camera_id: int, owner: str, ttl_s: float = LEASE_TTL_S, store: LeaseStore | None = None) -> None:
        super().__init__(lease_key(camera_id), owner, ttl_s, lease_store() if store is None else store)
        self.camera_id = camera_id

    @property
    def label(self) -> str:
        return f"camera {self.camera_id}"


def acquire_key_lease(key: str, *, owner: str | None = None, ttl_s: float = LEASE_TTL_S) -> KeyLease | None:
    """The lease on ``key`` if it was free, else None (another process holds it)."""
    lease = KeyLease(key, owner or new_owner(), ttl_s, lease_store())
    return lease if lease.store.acquire(lease.key, lease.owner, _ms(ttl_s)) else None


def key_lease_holder(key: str) -> str | None:
    """Who holds the lease on ``key`` now (None: nobody, or its holder died and the lease expired)."""
    return lease_store().holder(key)


def acquire_lease(camera_id: int, *, owner: str | None = None, ttl_s: float = LEASE_TTL_S) -> Lease | None:
    """The camera's lease if it was free, else None (another processor runs it)."""
    lease = Lease(camera_id, owner or new_owner(), ttl_s, lease_store())
    return lease if lease.store.acquire(lease.key, lease.owner, _ms(ttl_s)) else None


def lease_holder(camera_id: int) -> str | None:
    """Who runs the camera now (None: nobody, or the holder died and its lease expired)."""
    return key_lease_holder(lease_key(camera_id))


def claim_enqueue(camera_id: int, ttl_s: float) -> bool:
    """Mark a processor task as queued for the camera; False if one already is (see ensure_camera_processors)."""
    return lease_store().acquire(queued_key(camera_id), "queued", _ms(ttl_s))


def clear_enqueue(camera_id: int) -> None:
    lease_store().release(queued_key(camera_id), "queued")


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class LeaseKeeper:
    """Heartbeats a lease from its own thread, so a processor blocked on a slow camera read keeps its camera.

    ``lost`` is set when the lease turns out to be someone else's, or could not be confirmed for a whole TTL (Redis
    down: by then it may have expired and been taken). The processor calls ``touch()`` as it makes progress; if it
    stops doing so for ``stall_s`` (wedged in a native call), heartbeats stop too and the camera goes to another
    worker instead of staying dead behind a live lease.
    """

    def __init__(self, lease: KeyLease, *, interval_s: float = HEARTBEAT_S, stall_s: float = 120.0) -> None:
        self.lease = lease
        self.interval_s = interval_s
        self.stall_s = stall_s
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._progress = time.monotonic()
        name = f"camera-{lease.camera_id}-lease" if isinstance(lease, Lease) else f"lease-{lease.key}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def touch(self) -> None:
        self._progress = time.monotonic()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval_s + 1)

    def _run(self) -> None:
        confirmed = time.monotonic()
        while not self._stop.wait(self.interval_s):
            now = time.monotonic()
            if now - self._progress > self.stall_s:
                logger.error("%s: holder stalled; letting its lease expire", self.lease.label)
                self.lost.set()
                return
            try:
                if not self.lease.heartbeat():
                    logger.warning("%s: lease lost to another holder", self.lease.label)
                    self.lost.set()
                    return
                confirmed = now
            except Exception:
                logger.exception("%s: lease heartbeat failed", self.lease.label)
                if now - confirmed > self.lease.ttl_s:
                    self.lost.set()
                    return
