"""Version numbers in the shared cache that per-process in-memory structures are keyed on.

A process keeps something costly to build (the matcher index, the face groups' centroids) together with the
version it was built for, and builds it again on the first use that sees another version; whoever changes what it
was built from bumps the version, usually once the change commits. Works with any Django cache that keeps integers
and has an atomic ``incr`` (LocMemCache in one process, Redis across processes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction


@dataclass(frozen=True)
class VersionCounter:
    key: str  # the cache key

    def current(self) -> int:
        version = cache.get(self.key)
        if version is None:
            # A restarted cache must not hand out a version an old process already built: start from the clock.
            cache.add(self.key, time.time_ns(), timeout=None)
            version = cache.get(self.key)
        return int(version)

    def bump(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # the key is gone (a restarted or cleared cache): the clock is past every old version
            cache.add(self.key, time.time_ns(), timeout=None)

    def bump_on_commit(self) -> None:
        """Bump once the current transaction commits (at once outside one): no process rebuilds from rows another
        transaction may still roll back, or before they are visible."""
        transaction.on_commit(self.bump)
