"""The host monitor: CPU, load, memory, free disk and temperature of the machine this process runs on.

Each ``tick()`` reads one ``HostSample`` (from psutil, or from any callable given as ``reader``: tests feed their
own values) and compares it with the thresholds in the settings, with hysteresis: ``host_overload`` is published
once HOST_ALERT_SAMPLES consecutive samples were over any of HOST_CPU_MAX_PERCENT, HOST_MEMORY_MAX_PERCENT and
HOST_LOAD_MAX_PER_CPU (and again at every further one: publish groups the repeats into the open alert), and
``host_recovered`` resolves it after as many consecutive samples under all of them. ``disk_low`` /
``disk_recovered`` work the same way per disk, against DISK_MIN_FREE_PERCENT.

The disks watched are those of settings.MEDIA_ROOT and of the database when it is local: the SQLite file's folder,
or PostgreSQL's data directory when the server is on this machine (127.0.0.1, localhost or a unix socket) and
this process may read that directory (``SHOW data_directory`` needs a privileged role; otherwise it is skipped).
Two paths on the same filesystem are one disk, named after the first (the media folder).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import psutil
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.live import send_host_metrics
from monitoring.monitors.heartbeat import host_monitor_name, hostname
from monitoring.services.publish import publish

logger = logging.getLogger(__name__)

_SOURCE_MAX = 200
#: The shortest span a CPU figure is measured over.
CPU_SETTLE_S = 0.5


@dataclass(frozen=True, slots=True)
class DiskSample:
    path: str
    free_percent: float
    free_bytes: int
    total_bytes: int
    purposes: tuple[str, ...] = ()  # what lives there: "media", "database"


@dataclass(frozen=True, slots=True)
class HostSample:
    cpu_percent: float
    memory_percent: float
    load_1m: float | None  # None where the platform has no load average
    cpu_count: int
    disks: tuple[DiskSample, ...] = ()
    temperature_c: float | None = None  # the hottest sensor; None without sensors
    temperatures: dict[str, float] = field(default_factory=dict)  # the hottest reading of each sensor chip

    @property
    def load_per_cpu(self) -> float | None:
        return None if self.load_1m is None else self.load_1m / max(1, self.cpu_count)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["load_per_cpu"] = None if self.load_per_cpu is None else round(self.load_per_cpu, 3)
        data["disks"] = [asdict(disk) | {"purposes": list(disk.purposes)} for disk in self.disks]
        return data


HostReader = Callable[[], HostSample]
Decision = Literal["raise", "resolve"]


@dataclass
class Hysteresis:
    """Consecutive samples over and under a threshold; says when to raise and when to resolve."""

    samples: int
    above: int = 0
    below: int = 0
    # None: not known (a fresh start, an alert may be open from before): the first calm streak resolves anyway.
    raised: bool | None = None

    def update(self, bad: bool) -> Decision | None:
        if bad:
            self.above, self.below = self.above + 1, 0
            if self.above >= self.samples:
                self.raised = True
                return "raise"
            return None
        self.above, self.below = 0, self.below + 1
        if self.below >= self.samples and self.raised is not False:
            self.raised = False
            return "resolve"
        return None

    def state(self) -> dict[str, Any]:
        return {"above": self.above, "below": self.below, "raised": self.raised}

    def restore(self, state: dict[str, Any]) -> None:
        self.above = int(state.get("above") or 0)
        self.below = int(state.get("below") or 0)
        raised = state.get("raised")
        self.raised = raised if isinstance(raised, bool) else None


# --- reading the machine ---------------------------------------------------------------------------------------
def _existing(path: Path) -> Path:
    """``path``, or its nearest ancestor that exists (a media folder not made yet is on its parent's disk)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def database_directory() -> Path | None:
    """Where the database keeps its files, when that is on this machine and readable; else None."""
    vendor = connection.vendor
    config = connection.settings_dict
    if vendor == "sqlite":
        name = str(config.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return Path(name).absolute().parent
    if vendor == "postgresql":
        host = str(config.get("HOST") or "")
        if host not in ("", "localhost", "127.0.0.1", "::1") and not host.startswith("/"):
            return None  # a database on another machine: its disk is that machine's business
        try:
            with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: an error leaves no trace
                cursor.execute("SHOW data_directory")
                row = cursor.fetchone()
        except DatabaseError:
            return None  # the role may not read the setting
        path = Path(str(row[0])) if row and row[0] else None
        if path is None or not os.access(path, os.R_OK):
            return None
        return path
    return None


def watched_disks() -> list[tuple[Path, tuple[str, ...]]]:
    """One (path, purposes) per filesystem: the media folder's, and the database's where it is local."""
    wanted: list[tuple[Path, str]] = [(_existing(Path(settings.MEDIA_ROOT)), "media")]
    database = database_directory()
    if database is not None:
        wanted.append((_existing(database), "database"))
    by_device: dict[int, tuple[Path, list[str]]] = {}
    for path, purpose in wanted:
        try:
            device = os.stat(path).st_dev
        except OSError:
            continue
        if device in by_device:
            by_device[device][1].append(purpose)
        else:
            by_device[device] = (path, [purpose])
    return [(path, tuple(purposes)) for path, purposes in by_device.values()]


class PsutilReader:
    """Reads a HostSample from psutil. CPU percent is measured between two calls, so the first one primes it."""

    def __init__(self, disks: Sequence[tuple[Path, tuple[str, ...]]] | None = None) -> None:
        self.disks = list(watched_disks() if disks is None else disks)
        psutil.cpu_percent(interval=None)
        self._primed_at = time.monotonic()

    def __call__(self) -> HostSample:
        try:
            load_1m: float | None = float(psutil.getloadavg()[0])
        except (AttributeError, OSError):
            load_1m = None
        disks = []
        for path, purposes in self.disks:
            try:
                usage = psutil.disk_usage(str(path))
            except OSError as error:
                logger.warning("host monitor: cannot read the disk of %s: %s", path, error)
                continue
            # psutil's percent is used / (used + free), as df shows it: the space root keeps back is not counted.
            disks.append(
                DiskSample(
                    path=str(path),
                    free_percent=round(100.0 - usage.percent, 2),
                    free_bytes=int(usage.free),
                    total_bytes=int(usage.total),
                    purposes=purposes,
                )
            )
        hottest, chips = _temperatures()
        # Right after priming the figure would cover a few milliseconds (run_monitors --once): measure a moment.
        settle = max(0.0, CPU_SETTLE_S - (time.monotonic() - self._primed_at))
        cpu_percent = psutil.cpu_percent(interval=settle or None)
        return HostSample(
            cpu_percent=float(cpu_percent),
            memory_percent=float(psutil.virtual_memory().percent),
            load_1m=load_1m,
            cpu_count=psutil.cpu_count() or 1,
            disks=tuple(disks),
            temperature_c=hottest,
            temperatures=chips,
        )


def _temperatures() -> tuple[float | None, dict[str, float]]:
    read = getattr(psutil, "sensors_temperatures", None)  # Linux and FreeBSD only
    if read is None:
        return None, {}
    try:
        sensors = read() or {}
    except Exception:  # a broken driver must not stop the other readings
        logger.debug("host monitor: temperatures unreadable", exc_info=True)
        return None, {}
    chips = {
        name: max(float(entry.current) for entry in entries)
        for name, entries in sensors.items()
        if entries and any(entry.current is not None for entry in entries)
    }
    return (max(chips.values()) if chips else None), chips


# --- the monitor -----------------------------------------------------------------------------------------------
class HostMonitor:
    """One per host; ``tick()`` samples, publishes what the hysteresis says, and returns the heartbeat sample."""

    def __init__(self, reader: HostReader | None = None, *, host: str | None = None) -> None:
        self._reader = reader
        self.host = host or hostname()
        self.overload = Hysteresis(settings.HOST_ALERT_SAMPLES)
        self.disks: dict[str, Hysteresis] = {}

    @property
    def name(self) -> str:
        """The monitor's MonitorHeartbeat name."""
        return host_monitor_name(self.host)

    @property
    def reader(self) -> HostReader:
        if self._reader is None:  # built at first use: finding the database's disk needs the database
            self._reader = PsutilReader()
        return self._reader

    def tick(self) -> dict[str, Any]:
        sample = self.reader()
        samples = int(settings.HOST_ALERT_SAMPLES)
        self._check_overload(sample, samples)
        self._check_disks(sample, samples)
        send_host_metrics(monitor_metrics(sample))
        return {**sample.as_dict(), "thresholds": _thresholds(), "state": self.state()}

    def state(self) -> dict[str, Any]:
        """What the hysteresis remembers, kept in the heartbeat so a restart carries on where it was."""
        return {"overload": self.overload.state(), "disks": {path: h.state() for path, h in self.disks.items()}}

    def restore(self, state: dict[str, Any]) -> None:
        self.overload.restore(state.get("overload") or {})
        for path, disk_state in (state.get("disks") or {}).items():
            hysteresis = self.disks[path] = Hysteresis(settings.HOST_ALERT_SAMPLES)
            hysteresis.restore(disk_state)

    def _check_overload(self, sample: HostSample, samples: int) -> None:
        over = _over_limits(sample)
        self.overload.samples = samples
        decision = self.overload.update(bool(over))
        values = {
            "host": self.host,
            "cpu_percent": sample.cpu_percent,
            "memory_percent": sample.memory_percent,
            "load_1m": sample.load_1m,
            "load_per_cpu": None if sample.load_per_cpu is None else round(sample.load_per_cpu, 3),
            "temperature_c": sample.temperature_c,
        }
        source = f"host:{self.host}"[:_SOURCE_MAX]
        if decision == "raise":
            payload = {**values, "over": over, "thresholds": _thresholds()}
            publish(AlertEvent(type="host_overload", source_key=source, payload=payload))
        elif decision == "resolve":
            # Under a key of its own: the alert keeps the values that raised it.
            publish(AlertEvent(type="host_recovered", source_key=source, payload={"recovered": values}))

    def _check_disks(self, sample: HostSample, samples: int) -> None:
        minimum = float(settings.DISK_MIN_FREE_PERCENT)
        seen = set()
        for disk in sample.disks:
            seen.add(disk.path)
            hysteresis = self.disks.setdefault(disk.path, Hysteresis(samples))
            hysteresis.samples = samples
            decision = hysteresis.update(disk.free_percent < minimum)
            values = {
                "host": self.host,
                "path": disk.path,
                "purposes": list(disk.purposes),
                "free_percent": disk.free_percent,
                "free_bytes": disk.free_bytes,
                "total_bytes": disk.total_bytes,
            }
            source = f"disk:{self.host}:{disk.path}"[:_SOURCE_MAX]
            if decision == "raise":
                publish(AlertEvent(type="disk_low", source_key=source, payload={**values, "min_free_percent": minimum}))
            elif decision == "resolve":
                publish(AlertEvent(type="disk_recovered", source_key=source, payload={"recovered": values}))
        for path in set(self.disks) - seen:  # no longer watched (or unreadable): start afresh if it comes back
            del self.disks[path]


def monitor_metrics(sample: HostSample) -> dict[str, Any]:
    """A sample as the monitor page shows it: the fullest watched disk stands for the disks."""
    fullest = min(sample.disks, key=lambda disk: disk.free_percent, default=None)
    return {
        "cpu_percent": round(sample.cpu_percent, 1),
        "memory_percent": round(sample.memory_percent, 1),
        "disk_percent": None if fullest is None else round(100.0 - fullest.free_percent, 1),
        "load_per_cpu": None if sample.load_per_cpu is None else round(sample.load_per_cpu, 2),
        "temperature_c": sample.temperature_c,
        "at": timezone.now().isoformat(),
    }


def _over_limits(sample: HostSample) -> list[str]:
    over = []
    if sample.cpu_percent > settings.HOST_CPU_MAX_PERCENT:
        over.append("cpu")
    if sample.memory_percent > settings.HOST_MEMORY_MAX_PERCENT:
        over.append("memory")
    if sample.load_per_cpu is not None and sample.load_per_cpu > settings.HOST_LOAD_MAX_PER_CPU:
        over.append("load")
    return over


def _thresholds() -> dict[str, float]:
    return {
        "cpu_max_percent": float(settings.HOST_CPU_MAX_PERCENT),
        "memory_max_percent": float(settings.HOST_MEMORY_MAX_PERCENT),
        "load_max_per_cpu": float(settings.HOST_LOAD_MAX_PER_CPU),
        "disk_min_free_percent": float(settings.DISK_MIN_FREE_PERCENT),
        "samples": int(settings.HOST_ALERT_SAMPLES),
    }
