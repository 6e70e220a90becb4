"""Open WebSocket connections per consumer, in this process (for /health)."""

from __future__ import annotations

import threading
from collections import Counter

_lock = threading.Lock()
_open: Counter[str] = Counter()


def socket_opened(consumer: str) -> None:
    with _lock:
        _open[consumer] += 1


def socket_closed(consumer: str) -> None:
    with _lock:
        _open[consumer] = max(0, _open[consumer] - 1)


def open_sockets() -> dict[str, int]:
    with _lock:
        return dict(_open)
