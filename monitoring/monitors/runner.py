"""Where the monitors run: one round every MONITOR_INTERVAL_S, from ``run_monitors`` or inside the web process.

The host monitor runs in every process that runs monitors (each machine watches itself: its heartbeat is
``host:<hostname>``). The camera monitor, the serial monitor and Frigate's ingest must run once in the school, so
each runs under a lease of its own (``monitors:<name>:lease``, cameras/services/lease.py): with Redis, a second
``run_monitors`` waits as a standby and takes over within a lease TTL of the first one's death. Without Redis
leases live in the process, so a second process checks the monitor's heartbeat row instead: one written recently
by another process means the monitor runs there.

Every round writes each monitor's sample as its MonitorHeartbeat. A monitor that starts (or takes over) restores
the memory that its last heartbeat carries, if recent, so its hysteresis and windows go on where they were. The
runner also keeps the alert dispatcher's sweep going (deliveries are retried even when nobody publishes).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import close_old_connections, connections

from cameras.services.connections import redis_url
from cameras.services.lease import LEASE_TTL_S, KeyLease, LeaseKeeper, acquire_key_lease, key_lease_holder
from monitoring.monitors.camera import CameraMonitor
from monitoring.monitors.heartbeat import (
    recent_heartbeat,
    write_heartbeat,
    written_by_a_live_process,
    written_by_this_process,
)
from monitoring.monitors.host import HostMonitor
from monitoring.monitors.serial import SerialMonitor
from monitoring.services.delivery import Dispatcher, due_deliveries
from monitoring.services.delivery import dispatcher as default_dispatcher

logger = logging.getLogger(__name__)


class Monitor(Protocol):
    @property
    def name(self) -> str: ...
    def tick(self) -> dict[str, Any]: ...
    def restore(self, state: dict[str, Any]) -> None: ...


def _restore_within_s(interval_s: float) -> float:
    """A heartbeat this recent carries memory worth restoring; an older one describes another era."""
    return max(60.0, 3 * interval_s, 2 * float(settings.CAMERA_OFFLINE_AFTER_S))


def restore_from_heartbeat(monitor: Monitor, interval_s: float) -> None:
    beat = recent_heartbeat(monitor.name, _restore_within_s(interval_s))
    state = (beat.sample or {}).get("state") if beat is not None else None
    if isinstance(state, dict):
        try:
            monitor.restore(state)
        except Exception:  # a sample of an older layout: start afresh
            logger.warning("monitor %s: could not restore its state; starting afresh", monitor.name, exc_info=True)


class Exclusive:
    """A part of the runner that one process in the school runs: held under the lease ``key``.

    ``ensure()`` (once a round) takes the lease when free and calls ``on_start``; when the lease is lost it calls
    ``on_stop`` and tries again next round. ``guard`` names a heartbeat that tells, without Redis, whether another
    process runs the part.
    """

    def __init__(
        self,
        name: str,
        key: str,
        *,
        interval_s: float,
        on_start: Callable[[], None] = lambda: None,
        on_stop: Callable[[], None] = lambda: None,
        guard: str | None = None,
    ) -> None:
        self.name = name
        self.key = key
        self.interval_s = interval_s
        self.on_start = on_start
        self.on_stop = on_stop
        self.guard = guard
        self.lease: KeyLease | None = None
        self.keeper: LeaseKeeper | None = None
        self.elsewhere = ""  # who runs it, when not us (for the logs and run_monitors --once)

    @property
    def held(self) -> bool:
        return self.keeper is not None

    def ensure(self) -> bool:
        if self.keeper is not None and self.keeper.lost.is_set():
            logger.warning("monitor %s: lease lost; stopping it here", self.name)
            self.release()
        if self.keeper is None:
            self._take()
        if self.keeper is not None:
            self.keeper.touch()
        return self.keeper is not None

    def _take(self) -> None:
        if not redis_url() and self.guard is not None:
            beat = recent_heartbeat(self.guard, max(LEASE_TTL_S, 3 * self.interval_s))
            if beat is not None and not written_by_this_process(beat) and written_by_a_live_process(beat):
                self._note_elsewhere(f"{beat.host}:{beat.pid}")
                return
        lease = acquire_key_lease(self.key)
        if lease is None:
            self._note_elsewhere(key_lease_holder(self.key) or "?")
            return
        self.lease = lease
        self.keeper = LeaseKeeper(lease, stall_s=max(120.0, 6 * self.interval_s)).start()
        self.elsewhere = ""
        logger.info("monitor %s: running here", self.name)
        try:
            self.on_start()
        except Exception:
            self.release()
            raise

    def _note_elsewhere(self, owner: str) -> None:
        if owner != self.elsewhere:
            logger.info("monitor %s: runs in another process (%s); standing by", self.name, owner)
        self.elsewhere = owner

    def release(self) -> None:
        keeper, lease = self.keeper, self.lease
        self.keeper = self.lease = None
        if keeper is None or lease is None:
            return
        try:
            self.on_stop()
        finally:
            keeper.stop()
            with contextlib.suppress(Exception):  # unreachable Redis: the lease expires by itself
                lease.release()


@dataclass
class RoundReport:
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)  # heartbeat name -> sample, for what ran
    elsewhere: dict[str, str] = field(default_factory=dict)  # monitor -> who runs it instead
    failed: dict[str, str] = field(default_factory=dict)  # monitor -> the error


class MonitorRunner:
    """Runs the monitors; ``run_round()`` is one round (tests and ``--once``), ``start()`` a thread of rounds."""

    def __init__(
        self,
        *,
        interval_s: float | None = None,
        host: HostMonitor | None = None,
        cameras: CameraMonitor | None = None,
        serial: SerialMonitor | None = None,
        lease_namespace: str = "monitors",
        dispatcher: Dispatcher | None = default_dispatcher,
        frigate: bool | None = None,
    ) -> None:
        self.interval_s = float(interval_s or settings.MONITOR_INTERVAL_S)
        self.host = host or HostMonitor()
        self.cameras = cameras or CameraMonitor()
        self.serial = serial or SerialMonitor()
        self.dispatcher = dispatcher
        self.frigate_wanted = bool(settings.FRIGATE_MQTT_INGEST) if frigate is None else frigate
        self._frigate: Any = None
        self._once = False
        self._host_restored = False

        def lease(name: str) -> str:
            return f"{lease_namespace}:{name}:lease"

        self.parts = {
            "cameras": Exclusive(
                "cameras",
                lease("cameras"),
                interval_s=self.interval_s,
                on_start=lambda: restore_from_heartbeat(self.cameras, self.interval_s),
                guard=self.cameras.name,
            ),
            "serial": Exclusive(
                "serial",
                lease("serial"),
                interval_s=self.interval_s,
                on_start=self._start_serial,
                on_stop=self.serial.stop,
                guard=self.serial.name,
            ),
            "frigate": Exclusive(
                "frigate",
                lease("frigate"),
                interval_s=self.interval_s,
                on_start=self._start_frigate,
                on_stop=self._stop_frigate,
            ),
        }
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- rounds --
    def run_round(self) -> RoundReport:
        """One sample of every monitor this process should run now; each writes its heartbeat."""
        report = RoundReport()
        if not self._host_restored:
            self._host_restored = True
            restore_from_heartbeat(self.host, self.interval_s)
        self._tick(self.host, report)
        for name, monitor in (("cameras", self.cameras), ("serial", self.serial)):
            part = self.parts[name]
            if self._ensure(part, report):
                self._tick(monitor, report)
        if self.frigate_wanted and not self._once:
            self._ensure(self.parts["frigate"], report)
        return report

    def run_once(self) -> RoundReport:
        """One round of every monitor, then everything this process took is let go (``run_monitors --once``)."""
        self._once = True
        try:
            report = self.run_round()
            if self.dispatcher is not None and due_deliveries(limit=1):
                # Whatever this round published is handed over before the process ends; the sweep that started
                # with it has nothing left to do here.
                self.dispatcher.deliver_due(wait_s=float(settings.ALERT_HANDLER_TIMEOUT_S) + 1.0)
                self.dispatcher.stop()
            return report
        finally:
            self.release_all()
            self._once = False

    def _ensure(self, part: Exclusive, report: RoundReport) -> bool:
        try:
            held = part.ensure()
        except Exception as error:
            logger.exception("monitor %s: could not start", part.name)
            report.failed[part.name] = f"{type(error).__name__}: {error}"
            return False
        if not held:
            report.elsewhere[part.name] = part.elsewhere
        return held

    def _tick(self, monitor: Monitor, report: RoundReport) -> None:
        try:
            sample = monitor.tick()
            write_heartbeat(monitor.name, sample)
            report.samples[monitor.name] = sample
        except Exception as error:  # one monitor's failure must not silence the others
            logger.exception("monitor %s: sample failed", monitor.name)
            report.failed[monitor.name] = f"{type(error).__name__}: {error}"

    def _start_serial(self) -> None:
        if not self._once:  # one round needs no configuration watcher: tick() syncs the readers itself
            self.serial.start()

    def _start_frigate(self) -> None:
        # Imported here: only a runner that holds the ingest's lease needs paho's subscriber.
        from monitoring.ingest.frigate import frigate_ingest_from_settings

        self._frigate = frigate_ingest_from_settings()
        if self._frigate is not None:
            self._frigate.start()

    def _stop_frigate(self) -> None:
        ingest, self._frigate = self._frigate, None
        if ingest is not None:
            ingest.stop()

    def release_all(self) -> None:
        for part in self.parts.values():
            try:
                part.release()
            except Exception:
                logger.exception("monitor %s: did not stop cleanly", part.name)

    # -- the thread --
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Run rounds in a thread of their own until ``stop()``; the alert sweep starts too."""
        if self.running:
            return
        self._stop.clear()
        if self.dispatcher is not None:
            self.dispatcher.start()
        self._thread = threading.Thread(target=self._loop, name="monitors", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the rounds and everything they started (leases released, serial ports closed)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        self._thread = None
        if self.dispatcher is not None:
            self.dispatcher.stop()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread to end (it ends only after ``stop()``); True when it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def _loop(self) -> None:
        logger.info("monitors: a round every %g s", self.interval_s)
        try:
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    self.run_round()
                except Exception:
                    logger.exception("monitors: round failed; trying again next round")
                finally:
                    # Here, not in run_round: in a caller's transaction (a test, a shell) this would close its
                    # connection. In the runner's own thread it drops a connection that broke (database restart).
                    with contextlib.suppress(Exception):
                        close_old_connections()
                self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - began)))
        finally:
            self.release_all()
            connections.close_all()
