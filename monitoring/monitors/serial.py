"""The serial monitor: each enabled SerialDevice (an ESP32 on a USB serial line) must keep saying it is alive.

The line protocol
-----------------
The board writes text lines (``\\n`` or ``\\r\\n``, UTF-8) at the device's baud rate. A heartbeat is a line that
starts with the word ``HB``, followed by ``key=value`` fields separated by spaces::

    HB uptime=3605 rssi=-61
    HB uptime=3610 rssi=-60 fw=1.4.2 heap=183204

``uptime`` is the board's uptime in seconds and ``rssi`` its Wi-Fi signal in dBm (both optional integers; a value
that is not a number is ignored, the heartbeat still counts). Other fields are kept as text in the monitor's
heartbeat sample. ``HB`` alone is a heartbeat too. Every other line is the board's log: it is logged and kept as
the device's ``last_line``. Send a heartbeat every few seconds (5 s is a good rhythm) and set the device's
``heartbeat_timeout_s`` to several periods (the default, 30 s, is six).

Behaviour
---------
One reader thread per enabled device opens the port (``serial.Serial(port, baud, timeout=...)``, exclusively, so
two programs never share a line) and reads lines. No heartbeat for ``heartbeat_timeout_s`` (counted from the last
one, or from when the reader started) publishes ``serial_lost`` (source ``serial:<id>``, with the device's camera
and classroom); the next heartbeat publishes ``serial_back``, which resolves it. A port that vanishes (USB
unplugged: opening fails, or a read raises) is reopened with an exponential backoff (0.5 s doubling up to 30 s)
while the silence is counted as usual. The device's live status columns (state, last_heartbeat_at, uptime_s,
rssi_dbm, last_line, last_error) are written with one UPDATE of those columns, at most once a second, at once
when the state changes. Devices added, disabled or given another port or baud rate are picked up within
CONFIG_S seconds; a disabled or deleted device's open ``serial_lost`` is resolved.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import serial
from django.db import close_old_connections, connections
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.models import UNRESOLVED, Alert, SerialDevice
from monitoring.services.publish import publish

logger = logging.getLogger(__name__)

#: A read returns at least this often, so silence and stop requests are noticed.
READ_TIMEOUT_S = 0.5
#: Reopening a vanished port: the first wait, doubled after each failure up to the cap.
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
#: How often the device list is compared with the running readers.
CONFIG_S = 2.0
#: The live status columns are written at most this often (a chatty board must not hammer the database).
STATUS_WRITE_S = 1.0
#: A "line" longer than this without a newline (noise at the wrong baud rate) is cut here.
LINE_MAX = 1024

_LINE_FIELD = SerialDevice._meta.get_field("last_line").max_length or 200
_ERROR_FIELD = SerialDevice._meta.get_field("last_error").max_length or 300
_KEY = re.compile(r"^serial:(\d+)$")
_INT = re.compile(r"^[+-]?\d+(\.\d+)?$")


# --- the protocol ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heartbeat:
    uptime_s: int | None = None
    rssi_dbm: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # every key=value of the line, uptime and rssi included


def parse_line(line: str) -> Heartbeat | None:
    """The heartbeat in ``line``, or None when it is a log line."""
    words = line.strip().split()
    if not words or words[0].upper() != "HB":
        return None
    fields: dict[str, str] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if sep and key:
            fields[key.lower()] = value
    return Heartbeat(uptime_s=_number(fields.get("uptime")), rssi_dbm=_number(fields.get("rssi")), fields=fields)


def _number(value: str | None) -> int | None:
    if value is None or not _INT.match(value):
        return None
    return int(float(value))


# --- ports -----------------------------------------------------------------------------------------------------
class SerialPort(Protocol):
    def read_until(self, expected: bytes = ..., size: int | None = ...) -> bytes: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class DeviceConfig:
    id: int
    name: str
    port: str
    baud_rate: int
    heartbeat_timeout_s: float
    camera_id: int | None = None
    classroom_id: int | None = None
    # The live status as the database had it: a reader starts from there rather than blanking it.
    state: str = SerialDevice.State.UNKNOWN
    last_heartbeat_at: dt.datetime | None = None
    uptime_s: int | None = None
    rssi_dbm: int | None = None
    last_line: str = ""

    @classmethod
    def from_values(cls, row: dict[str, Any]) -> DeviceConfig:
        return cls(
            id=row["pk"],
            name=row["name"],
            port=row["port"],
            baud_rate=row["baud_rate"],
            heartbeat_timeout_s=float(max(1, row["heartbeat_timeout_s"])),
            camera_id=row["camera_id"],
            classroom_id=row["camera__classroom_id"],
            state=row["state"],
            last_heartbeat_at=row["last_heartbeat_at"],
            uptime_s=row["uptime_s"],
            rssi_dbm=row["rssi_dbm"],
            last_line=row["last_line"],
        )


Opener = Callable[[DeviceConfig], SerialPort]


def open_port(config: DeviceConfig) -> SerialPort:
    # exclusive: a second program on the line (or a second monitor) fails to open instead of stealing lines.
    return serial.Serial(config.port, config.baud_rate, timeout=READ_TIMEOUT_S, exclusive=True)


_DEVICE_VALUES = (
    "pk",
    "name",
    "port",
    "baud_rate",
    "heartbeat_timeout_s",
    "camera_id",
    "camera__classroom_id",
    "state",
    "last_heartbeat_at",
    "uptime_s",
    "rssi_dbm",
    "last_line",
)


# --- one device ------------------------------------------------------------------------------------------------
class DeviceReader:
    """A thread that reads one device's line and keeps its live status and alerts."""

    def __init__(self, config: DeviceConfig, *, opener: Opener = open_port) -> None:
        self.config = config
        self.opener = opener
        self.state = config.state if config.state in SerialDevice.State.values else SerialDevice.State.UNKNOWN
        self.last_heartbeat_at = config.last_heartbeat_at
        self.uptime_s = config.uptime_s
        self.rssi_dbm = config.rssi_dbm
        self.fields: dict[str, str] = {}
        self.last_line = config.last_line
        self.last_error = ""
        self.is_open = False
        self.opens = 0  # successful opens: a reopened port shows here
        self._got_data = False
        self._heard = False  # a heartbeat since this reader started (the first one always announces serial_back)
        self._started = time.monotonic()
        self._heartbeat_mono: float | None = None
        self._dirty = False
        self._written_at = -1e9
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"serial-{config.id}", daemon=True)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> DeviceReader:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = READ_TIMEOUT_S + 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "port": self.config.port,
            "state": self.state,
            "open": self.is_open,
            "last_heartbeat_at": None if self.last_heartbeat_at is None else self.last_heartbeat_at.isoformat(),
            "uptime_s": self.uptime_s,
            "rssi_dbm": self.rssi_dbm,
            "fields": dict(self.fields),
            "last_line": self.last_line,
            "last_error": self.last_error,
        }

    # -- the thread --
    def _run(self) -> None:
        delay = BACKOFF_BASE_S
        try:
            while not self._stop.is_set():
                try:
                    port = self.opener(self.config)
                except (serial.SerialException, OSError, ValueError) as error:
                    self._error(f"{type(error).__name__}: {error}")
                    self._pause(delay)
                    delay = min(delay * 2, BACKOFF_MAX_S)
                    continue
                self.is_open = True
                self.opens += 1
                logger.info("serial %s: %s open", self.config.name, self.config.port)
                self._got_data = False
                try:
                    self._read(port)
                except (serial.SerialException, OSError) as error:
                    self._error(f"{type(error).__name__}: {error}")
                finally:
                    self.is_open = False
                    with contextlib.suppress(Exception):
                        port.close()
                if self._got_data:
                    delay = BACKOFF_BASE_S  # the line worked for a while: a new outage starts with short waits
                if not self._stop.is_set():
                    self._pause(delay)
                    delay = min(delay * 2, BACKOFF_MAX_S)
            self._flush(force=True)
        finally:
            connections.close_all()  # the thread ends: its database connection must not linger

    def _read(self, port: SerialPort) -> None:
        """Read lines until stopped (returns) or the port fails (raises)."""
        buffer = b""
        while not self._stop.is_set():
            chunk = port.read_until(b"\n", LINE_MAX)
            if chunk:
                self._got_data = True
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    self._line(line)
                if len(buffer) >= LINE_MAX:
                    self._line(buffer)
                    buffer = b""
            self._housekeeping()

    def _pause(self, seconds: float) -> None:
        """Wait (a backoff) while still noticing silence and stop requests."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            self._housekeeping()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(left, READ_TIMEOUT_S))

    def _housekeeping(self) -> None:
        self._check_silence()
        self._flush()

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            return
        heartbeat = parse_line(text)
        if heartbeat is None:
            logger.info("serial %s: %s", self.config.name, text)
            self.last_line = text[:_LINE_FIELD]
            self._dirty = True
            return
        self._heartbeat(heartbeat)

    def _heartbeat(self, heartbeat: Heartbeat) -> None:
        now = timezone.now()
        if heartbeat.uptime_s is not None and self.uptime_s is not None and heartbeat.uptime_s < self.uptime_s:
            logger.info("serial %s: the board restarted (uptime %s s)", self.config.name, heartbeat.uptime_s)
        self.last_heartbeat_at = now
        self._heartbeat_mono = time.monotonic()
        if heartbeat.uptime_s is not None:
            self.uptime_s = max(0, heartbeat.uptime_s)
        if heartbeat.rssi_dbm is not None:
            self.rssi_dbm = heartbeat.rssi_dbm
        self.fields = heartbeat.fields
        self.last_error = ""
        self._dirty = True
        announce = self.state != SerialDevice.State.OK or not self._heard
        self.state = SerialDevice.State.OK
        self._heard = True
        if announce:
            self._flush(force=True)
            self._publish("serial_back", now)

    def _check_silence(self) -> None:
        if self.state == SerialDevice.State.LOST:
            return
        since = self._heartbeat_mono if self._heartbeat_mono is not None else self._started
        if time.monotonic() - since <= self.config.heartbeat_timeout_s:
            return
        logger.warning("serial %s: no heartbeat for %.0f s", self.config.name, time.monotonic() - since)
        self.state = SerialDevice.State.LOST
        self._dirty = True
        self._flush(force=True)
        self._publish("serial_lost", timezone.now())

    def _error(self, text: str) -> None:
        if text != self.last_error:
            logger.warning("serial %s: %s", self.config.name, text)
        self.last_error = text[:_ERROR_FIELD]
        self._dirty = True

    def _publish(self, kind: str, at: dt.datetime) -> None:
        config = self.config
        payload: dict[str, Any] = {
            "device": config.name,
            "port": config.port,
            "last_heartbeat_at": None if self.last_heartbeat_at is None else self.last_heartbeat_at.isoformat(),
        }
        if kind == "serial_lost":
            payload |= {"heartbeat_timeout_s": config.heartbeat_timeout_s, "error": self.last_error}
        else:
            # Under a key of its own: the resolved alert keeps the details of the silence.
            payload = {"back": payload | {"uptime_s": self.uptime_s, "rssi_dbm": self.rssi_dbm}}
        event = AlertEvent(
            type=kind,
            source_key=f"serial:{config.id}",
            camera_id=config.camera_id,
            classroom_id=config.classroom_id,
            time=at,
            payload=payload,
        )
        self._safely(publish, event)

    def _flush(self, *, force: bool = False) -> None:
        if not self._dirty or (not force and time.monotonic() - self._written_at < STATUS_WRITE_S):
            return
        self._dirty = False
        self._written_at = time.monotonic()
        self._safely(
            SerialDevice.objects.filter(pk=self.config.id).update,
            state=self.state,
            last_heartbeat_at=self.last_heartbeat_at,
            uptime_s=self.uptime_s,
            rssi_dbm=self.rssi_dbm,
            last_line=self.last_line,
            last_error=self.last_error,
        )

    def _safely(self, call: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        # The database may be briefly away (a restart): the reader goes on reading, the next write catches up.
        try:
            call(*args, **kwargs)
        except Exception:
            logger.exception("serial %s: could not record the device's status", self.config.name)
            self._dirty = True
            with contextlib.suppress(Exception):
                close_old_connections()


# --- every device ----------------------------------------------------------------------------------------------
class SerialMonitor:
    """A reader per enabled device; ``sync()`` follows the configuration, ``tick()`` also returns the sample."""

    name = "serial"

    def __init__(self, *, opener: Opener = open_port, config_s: float = CONFIG_S) -> None:
        self.opener = opener
        self.config_s = config_s
        self.readers: dict[int, DeviceReader] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start following the configuration from a thread of its own (and start the readers now)."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, name="serial-monitor", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop every reader (their devices' status stays as it was last written)."""
        self._stop.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(self.config_s + 1.0)
        self._watcher = None
        with self._lock:
            readers, self.readers = list(self.readers.values()), {}
        for reader in readers:
            reader._stop.set()  # all at once, then wait: the stop takes one read timeout, not one per device
        for reader in readers:
            reader.stop()

    def tick(self) -> dict[str, Any]:
        self.sync()
        with self._lock:
            return {"devices": {str(pk): reader.snapshot() for pk, reader in self.readers.items()}}

    def restore(self, state: dict[str, Any]) -> None:
        """Nothing to restore: each reader starts from its device's row (the state it last wrote)."""

    def sync(self) -> None:
        """Start, restart or stop readers to match the enabled devices."""
        rows = list(SerialDevice.objects.filter(enabled=True).values(*_DEVICE_VALUES))
        wanted = {row["pk"]: DeviceConfig.from_values(row) for row in rows}
        stopped: list[int] = []
        with self._lock:
            for pk, reader in list(self.readers.items()):
                config = wanted.get(pk)
                if config is None or (config.port, config.baud_rate) != (reader.config.port, reader.config.baud_rate):
                    reader.stop()
                    del self.readers[pk]
                    if config is None:
                        stopped.append(pk)
                elif not reader.alive:  # crashed: a fresh one takes over
                    logger.error("serial %s: reader died; starting another", config.name)
                    del self.readers[pk]
                else:
                    # Timeout and camera apply at once (the status fields only seed a new reader).
                    reader.config = config
            for pk, config in wanted.items():
                if pk not in self.readers:
                    self.readers[pk] = DeviceReader(config, opener=self.opener).start()
        if stopped:
            # Disabled now: nobody waits for news of it any more.
            SerialDevice.objects.filter(pk__in=stopped, enabled=False).update(state=SerialDevice.State.UNKNOWN)
        self._resolve_unwatched(set(wanted))

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.sync()
                except Exception:
                    logger.exception("serial monitor: could not read the devices; trying again shortly")
                finally:
                    close_old_connections()
                self._stop.wait(self.config_s)
        finally:
            connections.close_all()

    def _resolve_unwatched(self, enabled: set[int]) -> None:
        open_keys = Alert.objects.filter(
            type="serial_lost", status__in=UNRESOLVED, source_key__startswith="serial:"
        ).values_list("source_key", flat=True)
        for source_key in open_keys:
            match = _KEY.match(source_key)
            if match is None or int(match.group(1)) in enabled:
                continue
            exists = SerialDevice.objects.filter(pk=int(match.group(1))).exists()
            publish(
                AlertEvent(
                    type="serial_back", source_key=source_key, payload={"reason": "disabled" if exists else "deleted"}
                )
            )
