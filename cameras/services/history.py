"""A camera's per-minute history (CameraMinute): summed up by the processor, written once a minute, purged by beat.

The processor feeds a :class:`MinuteRecorder` as frames come (in memory, no database work per frame); when a frame
of the next minute arrives, or the processor stops, the finished minute is written with :func:`record_minute`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from cameras.models import CameraMinute

logger = logging.getLogger(__name__)


def minute_of(at: dt.datetime) -> dt.datetime:
    return at.replace(second=0, microsecond=0)


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered) - 1e-9) - 1))  # 1e-9: 0.95 * 100 > 95
    return ordered[rank]


@dataclass
class MinuteStats:
    minute: dt.datetime
    frames: int = 0
    analysed: int = 0
    processing: list[float] = field(default_factory=list)  # seconds, per analysed frame
    faces: int = 0
    known: int = 0
    unknown: int = 0
    people_max: int | None = None
    crossings_in: int = 0
    crossings_out: int = 0
    errors: int = 0
    seconds: float = 60.0  # how much of the minute the processor ran (for fps)

    def row_values(self) -> dict[str, object]:
        return {
            "frames": self.frames,
            "analysed": self.analysed,
            "fps": round(self.frames / max(1.0, self.seconds), 2),
            "processing_p50": percentile(self.processing, 0.5),
            "processing_p95": percentile(self.processing, 0.95),
            "faces": self.faces,
            "known": self.known,
            "unknown": self.unknown,
            "people_max": self.people_max,
            "crossings_in": self.crossings_in,
            "crossings_out": self.crossings_out,
            "errors": self.errors,
        }


class MinuteRecorder:
    """Sums up the current minute; ``roll`` hands over the minute just finished."""

    def __init__(self, started_at: dt.datetime | None = None) -> None:
        self._started_at = started_at
        self.current: MinuteStats | None = None
        self._minute_end: dt.datetime = dt.datetime.min.replace(tzinfo=dt.UTC)

    def _at(self, at: dt.datetime) -> tuple[MinuteStats, MinuteStats | None]:
        minute = minute_of(at)
        finished = None
        if self.current is None or minute != self.current.minute:
            finished = self.current
            self.current = MinuteStats(minute)
            self._minute_end = minute + dt.timedelta(minutes=1)
            if self._started_at is not None and minute_of(self._started_at) == minute:
                # The processor started in this minute: fps over the part it ran.
                self.current.seconds = 60.0 - (self._started_at - minute).total_seconds()
        return self.current, finished

    def frame(self, at: dt.datetime) -> MinuteStats | None:
        """Count a frame read at ``at``; returns the previous minute when this one starts a new minute."""
        current = self.current
        if current is not None and current.minute <= at < self._minute_end:  # the common case, per frame: cheap
            current.frames += 1
            return None
        stats, finished = self._at(at)
        stats.frames += 1
        return finished

    def analysed(self, processing_s: float, faces: int, known: int, unknown: int) -> None:
        if self.current is None:
            return
        stats = self.current
        stats.analysed += 1
        stats.processing.append(processing_s)
        stats.faces += faces
        stats.known += known
        stats.unknown += unknown

    def people(self, count: int) -> None:
        if self.current is not None:
            self.current.people_max = max(count, self.current.people_max or 0)

    def crossings(self, entered: int, left: int) -> None:
        if self.current is not None:
            self.current.crossings_in += entered
            self.current.crossings_out += left

    def error(self, at: dt.datetime) -> MinuteStats | None:
        stats, finished = self._at(at)
        stats.errors += 1
        return finished

    def finish(self, at: dt.datetime) -> MinuteStats | None:
        """The current minute, cut at ``at`` (the processor stops)."""
        stats, self.current = self.current, None
        if stats is not None and minute_of(at) == stats.minute:
            stats.seconds = max(1.0, min(stats.seconds, (at - stats.minute).total_seconds()))
        return stats


def record_minute(camera_id: int, stats: MinuteStats) -> None:
    """Write one finished minute. A row already there for it (a processor restarted within the minute) is merged:
    counts add up, the maxima and the percentiles of the bigger sample win."""
    values = stats.row_values()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row = CameraMinute.objects.select_for_update().filter(camera_id=camera_id, minute=stats.minute).first()
                if row is None:
                    CameraMinute.objects.create(camera_id=camera_id, minute=stats.minute, **values)
                    return
                _merge(row, stats, values)
                return
        except IntegrityError:
            continue  # another writer created it between our look and our insert: merge into theirs


def _merge(row: CameraMinute, stats: MinuteStats, values: dict[str, object]) -> None:
    bigger = stats.analysed > row.analysed
    for name in ("frames", "analysed", "faces", "known", "unknown", "crossings_in", "crossings_out", "errors"):
        setattr(row, name, getattr(row, name) + values[name])
    row.fps = round(row.frames / 60.0, 2)
    if stats.people_max is not None:
        row.people_max = max(row.people_max or 0, stats.people_max)
    if bigger:
        row.processing_p50 = values["processing_p50"]  # type: ignore[assignment]
        row.processing_p95 = values["processing_p95"]  # type: ignore[assignment]
    row.save()


def purge_camera_history(days: int, now: dt.datetime | None = None) -> int:
    """Delete the minutes older than ``days`` days; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = CameraMinute.objects.filter(minute__lt=cutoff).delete()
    return deleted
