from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.monitors.runner import MonitorRunner, RoundReport


class Command(BaseCommand):
    help = (
        "Run the monitors (this host, the cameras, the serial devices) in the foreground until Ctrl+C or SIGTERM; "
        "--once runs one round and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None, help="seconds between rounds (MONITOR_INTERVAL_S)")
        parser.add_argument("--once", action="store_true", help="one round of every monitor, then exit")

    def handle(self, *args: Any, interval: float | None = None, once: bool = False, **options: Any) -> None:
        if interval is not None and not interval > 0:
            raise CommandError(_("--interval must be a positive number of seconds."))
        runner = MonitorRunner(interval_s=interval)
        if once:
            report = runner.run_once()
            self._summary(report)
            if report.failed:
                raise CommandError(_("Some monitors failed: %(names)s.") % {"names": ", ".join(report.failed)})
            return
        stop = threading.Event()
        # Rounds run in the runner's thread, so Ctrl+C and SIGTERM reach this one at once; the runner then
        # closes the serial ports and releases its leases (a standby in another process takes over at once).
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        self.stdout.write(
            _("Monitors running, a round every %(interval)g s (Ctrl+C stops).") % {"interval": runner.interval_s}
        )
        runner.start()
        try:
            while not stop.wait(0.5):
                if not runner.running:
                    raise CommandError(_("The monitors stopped unexpectedly."))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stdout.write(_("Stopping..."))
            runner.stop()

    def _summary(self, report: RoundReport) -> None:
        for name, sample in report.samples.items():
            self.stdout.write(f"{name}: {_describe(name, sample)}")
        for name, owner in report.elsewhere.items():
            if name == "frigate":
                continue
            self.stdout.write(_("%(name)s: runs in another process (%(owner)s)") % {"name": name, "owner": owner})
        for name, error in report.failed.items():
            self.stderr.write(_("%(name)s: failed: %(error)s") % {"name": name, "error": error})


def _describe(name: str, sample: dict[str, Any]) -> str:
    if name == "cameras":
        cameras = sample.get("cameras", {})
        offline = sum(1 for camera in cameras.values() if camera.get("online") is False)
        watched = ngettext("%(count)d camera watched", "%(count)d cameras watched", len(cameras))
        return _("%(watched)s, %(offline)d offline") % {
            "watched": watched % {"count": len(cameras)},
            "offline": offline,
        }
    if name == "serial":
        devices = sample.get("devices", {})
        return ngettext("%(count)d serial device watched", "%(count)d serial devices watched", len(devices)) % {
            "count": len(devices)
        }
    disks = ", ".join(
        _("%(path)s %(free).0f%% free") % {"path": disk["path"], "free": disk["free_percent"]}
        for disk in sample.get("disks", [])
    )
    load = sample.get("load_per_cpu")
    return _("CPU %(cpu).0f%%, memory %(memory).0f%%, load per CPU %(load)s; %(disks)s") % {
        "cpu": sample.get("cpu_percent", 0.0),
        "memory": sample.get("memory_percent", 0.0),
        "load": "?" if load is None else f"{load:.2f}",
        "disks": disks or _("no disk watched"),
    }
