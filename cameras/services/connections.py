"""The Redis connections of the camera services (lease, frame bus), one client per URL and process."""

from __future__ import annotations

import threading

import redis
import redis.asyncio
from django.conf import settings

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def redis_url() -> str:
    """The Redis URL, or "" in the embedded mode (no Redis: in-process registries instead)."""
    return str(getattr(settings, "REDIS_URL", "") or "")


def redis_client(url: str) -> redis.Redis:
    # Clients pool their connections and are thread-safe: one per URL serves every processor of the process. Keyed
    # by URL (not built once) so a changed REDIS_URL setting, as in tests, gets its own client.
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = redis.Redis.from_url(
                url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
            )
        return client


def async_redis_client(url: str) -> redis.asyncio.Redis:
    """A new asyncio client: its connections belong to the running event loop, so the caller closes it."""
    return redis.asyncio.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
