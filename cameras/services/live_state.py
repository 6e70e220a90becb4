"""The latest monitor messages of each running camera, for the snapshot a monitor page gets on connect.

The processor's monitor feed writes them as it sends them; a monitor socket, maybe in another process, reads them.
Like the frame bus: one Redis value per camera when settings.REDIS_URL is set, an in-process dict in the embedded
mode. The value expires soon after the processor stops refreshing it, so a dead processor's last state is not
shown as live.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from cameras.services.connections import redis_client, redis_url

#: The feed refreshes the state at least every status period (2 s); after this long without it, it is gone.
LIVE_STATE_TTL_S = 15.0

_lock = threading.Lock()
_states: dict[int, tuple[str, float]] = {}  # embedded: camera id -> (JSON, monotonic expiry)


def live_state_key(camera_id: int) -> str:
    return f"camera:{camera_id}:monitor"


def store_live_state(camera_id: int, state: dict[str, Any]) -> None:
    """Keep ``state`` ({"status": message, "frame": message, "analytics": {node id: message}}) for snapshots."""
    value = json.dumps(state, separators=(",", ":"))
    url = redis_url()
    if url:
        redis_client(url).set(live_state_key(camera_id), value, px=round(LIVE_STATE_TTL_S * 1000))
        return
    with _lock:
        _states[camera_id] = (value, time.monotonic() + LIVE_STATE_TTL_S)


def clear_live_state(camera_id: int) -> None:
    url = redis_url()
    if url:
        redis_client(url).delete(live_state_key(camera_id))
        return
    with _lock:
        _states.pop(camera_id, None)


def live_states(camera_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The stored states of these cameras (those with none left out), in one round trip."""
    if not camera_ids:
        return {}
    url = redis_url()
    if url:
        values: list[Any] = redis_client(url).mget([live_state_key(camera_id) for camera_id in camera_ids])  # type: ignore[assignment]
        return {
            camera_id: json.loads(value)
            for camera_id, value in zip(camera_ids, values, strict=True)
            if isinstance(value, bytes)
        }
    now = time.monotonic()
    found: dict[int, dict[str, Any]] = {}
    with _lock:
        for camera_id in camera_ids:
            entry = _states.get(camera_id)
            if entry is not None and entry[1] > now:
                found[camera_id] = json.loads(entry[0])
    return found
