"""Helpers of the monitor tests: a clock to move by hand, host samples, a fake camera, stand-in monitors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.utils import timezone

from cameras.mjpeg import MjpegServer
from monitoring.monitors.host import DiskSample, HostSample
from monitoring.monitors.serial import DeviceReader, SerialMonitor
from tests.support.waiting import wait_until

CLIP = Path(__file__).parent.parent / "fixtures" / "faces" / "short_hamilton_clip.mp4"


class Clock:
    """timezone.now() that moves only when told to."""

    def __init__(self) -> None:
        self.at = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


def calm(**overrides: Any) -> HostSample:
    values: dict[str, Any] = {"cpu_percent": 20.0, "memory_percent": 40.0, "load_1m": 0.5, "cpu_count": 4}
    return HostSample(**(values | overrides))


def hot(**overrides: Any) -> HostSample:
    return calm(**({"cpu_percent": 99.0} | overrides))


def disk(path: str, free_percent: float) -> DiskSample:
    total = 100 * 2**30
    return DiskSample(
        path=path, free_percent=free_percent, free_bytes=int(total * free_percent / 100), total_bytes=total
    )


class Samples:
    """A host reader that returns the sample it is given."""

    def __init__(self) -> None:
        self.next = calm()

    def __call__(self) -> HostSample:
        return self.next


@contextmanager
def fake_camera(port: int = 0) -> Iterator[MjpegServer]:
    """The bundled clip served as an ESP32-CAM would (on a free port unless one is named)."""
    server = MjpegServer(CLIP, port=port, fps=5)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class CountingMonitor:
    """Stands in for the camera or serial monitor: counts ticks, starts and stops."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ticks = 0
        self.started = 0
        self.stopped = 0

    def tick(self) -> dict[str, Any]:
        self.ticks += 1
        return {"ticks": self.ticks}

    def restore(self, state: dict[str, Any]) -> None:
        pass

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1


def reader_of(monitor: SerialMonitor, device_id: int, timeout: float = 5.0) -> DeviceReader:
    return wait_until(lambda: monitor.readers.get(device_id), timeout, f"no reader for device {device_id}")
