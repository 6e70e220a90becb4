"""MonitorHeartbeat rows: every sample of a monitor is written here, and read back by a monitor that restarts."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

import psutil
from django.utils import timezone

from monitoring.models import MonitorHeartbeat

_NAME_MAX = MonitorHeartbeat._meta.get_field("name").max_length or 120
_HOST_MAX = MonitorHeartbeat._meta.get_field("host").max_length or 120


def hostname() -> str:
    return socket.gethostname()[:_HOST_MAX]


def host_monitor_name(host: str | None = None) -> str:
    return f"host:{host or hostname()}"[:_NAME_MAX]


def write_heartbeat(name: str, sample: dict[str, Any], *, at: dt.datetime | None = None) -> None:
    """Record ``sample`` as monitor ``name``'s latest, with this process as its author."""
    MonitorHeartbeat.objects.update_or_create(
        name=name[:_NAME_MAX],
        defaults={"host": hostname(), "pid": os.getpid(), "beat_at": at or timezone.now(), "sample": sample},
    )


def recent_heartbeat(name: str, within_s: float) -> MonitorHeartbeat | None:
    """Monitor ``name``'s row if it was written within the last ``within_s`` seconds, else None."""
    since = timezone.now() - dt.timedelta(seconds=within_s)
    return MonitorHeartbeat.objects.filter(name=name[:_NAME_MAX], beat_at__gte=since).first()


def written_by_this_process(beat: MonitorHeartbeat) -> bool:
    return beat.host == hostname() and beat.pid == os.getpid()


def written_by_a_live_process(beat: MonitorHeartbeat) -> bool:
    """Whether the process that wrote ``beat`` may still run (one of this host that has exited does not: a web
    server restarted a moment ago must not wait for its predecessor's heartbeat to age)."""
    if beat.host != hostname():
        return True  # another machine's process: only the heartbeat's age can tell
    return psutil.pid_exists(beat.pid)
