"""The frame bus: each camera's latest annotated JPEG, for the live relay, and its latest still.

Only the newest frame matters (a viewer that cannot keep up skips frames, like a real camera), so the bus is one
value per camera: a Redis key when settings.REDIS_URL is set (processors and web servers are different processes),
an in-process dict in the embedded mode. Frames expire quickly so that a dead processor's last picture is not
shown as if it were live.

A *still* is a camera's latest unannotated frame, published every few seconds by its processor: what the admin's
analytics editor draws lines and zones over. It is kept for a day, so that a camera that is off (or whose stream
dropped) can still be set up from what it last saw.
"""

from __future__ import annotations

import threading
import time

from cameras.services.connections import async_redis_client, redis_client, redis_url

#: A frame older than this is gone: the relay then shows "no signal".
FRAME_TTL_S = 5.0
#: A still older than this is gone: the editor then draws over an empty frame.
STILL_TTL_S = 24 * 3600.0

_lock = threading.Lock()
_frames: dict[int, tuple[bytes, float]] = {}  # embedded: camera id -> (jpeg, monotonic expiry)
_stills: dict[int, tuple[bytes, float]] = {}  # the same, for stills


def frame_key(camera_id: int) -> str:
    return f"camera:{camera_id}:frame"


def publish_frame(camera_id: int, jpeg: bytes) -> None:
    url = redis_url()
    if url:
        redis_client(url).set(frame_key(camera_id), jpeg, px=round(FRAME_TTL_S * 1000))
        return
    with _lock:
        _frames[camera_id] = (jpeg, time.monotonic() + FRAME_TTL_S)


def latest_frame(camera_id: int) -> bytes | None:
    url = redis_url()
    if url:
        value = redis_client(url).get(frame_key(camera_id))
        return value if isinstance(value, bytes) else None
    return _memory_frame(camera_id)


def _memory_frame(camera_id: int) -> bytes | None:
    return _unexpired(_frames, camera_id)


def still_key(camera_id: int) -> str:
    return f"camera:{camera_id}:still"


def publish_still(camera_id: int, jpeg: bytes) -> None:
    """Make `jpeg` (an unannotated frame) the camera's still for the next STILL_TTL_S."""
    url = redis_url()
    if url:
        redis_client(url).set(still_key(camera_id), jpeg, px=round(STILL_TTL_S * 1000))
        return
    with _lock:
        _stills[camera_id] = (jpeg, time.monotonic() + STILL_TTL_S)


def latest_still(camera_id: int) -> bytes | None:
    """The camera's latest still, or None when it published none within STILL_TTL_S."""
    url = redis_url()
    if url:
        value = redis_client(url).get(still_key(camera_id))
        return value if isinstance(value, bytes) else None
    return _unexpired(_stills, camera_id)


def _unexpired(store: dict[int, tuple[bytes, float]], camera_id: int) -> bytes | None:
    with _lock:
        entry = store.get(camera_id)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del store[camera_id]
            return None
        return entry[0]


class AsyncFrameReader:
    """Reads frames from an event loop without blocking it; one per relay connection, closed with it.

    The asyncio Redis client's connections belong to the loop that opened them, hence one reader per connection
    rather than a shared client.
    """

    def __init__(self) -> None:
        url = redis_url()
        self._client = async_redis_client(url) if url else None

    async def latest(self, camera_id: int) -> bytes | None:
        if self._client is None:
            return _memory_frame(camera_id)  # a dict read under a lock held for microseconds: fine on the loop
        value = await self._client.get(frame_key(camera_id))
        return value if isinstance(value, bytes) else None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


async def alatest_frame(camera_id: int) -> bytes | None:
    reader = AsyncFrameReader()
    try:
        return await reader.latest(camera_id)
    finally:
        await reader.aclose()
