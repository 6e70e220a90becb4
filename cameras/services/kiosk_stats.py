"""The kiosk's figures for /health: frames processed and dropped, the frame cache, processing times.

Per process (each web server counts its own sockets), thread-safe, cheap: counters and a bounded window of recent
processing times.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from cameras.services.history import percentile

#: Processing times kept for the mean and p95.
_WINDOW = 500


class KioskStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.frames = 0
            self.dropped_rate_limit = 0
            self.dropped_busy = 0
            self.hits = 0
            self.misses = 0
            self.errors = 0
            self.cache_entries = 0
            self._times: deque[float] = deque(maxlen=_WINDOW)

    def processed(self, seconds: float) -> None:
        with self._lock:
            self.frames += 1
            self._times.append(seconds)

    def dropped(self, reason: str) -> None:
        with self._lock:
            if reason == "rate_limit":
                self.dropped_rate_limit += 1
            else:
                self.dropped_busy += 1

    def error(self) -> None:
        with self._lock:
            self.errors += 1

    def cache_hit(self) -> None:
        with self._lock:
            self.hits += 1

    def cache_miss(self) -> None:
        with self._lock:
            self.misses += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            times = list(self._times)
            lookups = self.hits + self.misses
            return {
                "frames": self.frames,
                "errors": self.errors,
                "dropped": {"rate_limit": self.dropped_rate_limit, "busy": self.dropped_busy},
                "cache": {
                    "size": self.cache_entries,
                    "hits": self.hits,
                    "misses": self.misses,
                    "hit_rate": round(self.hits / lookups, 3) if lookups else None,
                },
                "processing": {
                    "frames": len(times),
                    "mean_s": round(sum(times) / len(times), 4) if times else None,
                    "p95_s": round(p95, 4) if (p95 := percentile(times, 0.95)) is not None else None,
                },
            }


KIOSK_STATS = KioskStats()
