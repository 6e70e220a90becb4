"""The camera monitor: is every enabled camera sending? ``camera_offline`` when not, ``camera_online`` when back.

Evidence that a camera is alive comes from two places. Its processor writes ``last_frame_at`` every few seconds
while frames arrive; while the processor runs (it holds the camera's lease) that is the only evidence taken,
because an ESP32-CAM serves one stream client at a time and a probe would compete with the processor. When no
processor runs, ``tick()`` probes the stream itself, with a short timeout:

- ``http://`` / ``https://`` (ESP32-CAM MJPEG): a TCP connection and a ``GET`` of the stream's path; any HTTP
  status line counts (a 503 "busy" still says the camera is there).
- ``rtsp://``: a TCP connection to the host's port (554 unless given) and an ``OPTIONS`` request; any RTSP status
  line counts.
- a file path (or ``file://``): the file exists and can be read; a bare number (an OpenCV device index): the
  ``/dev/video<n>`` device exists.

A camera is offline only after CAMERA_OFFLINE_AFTER_S without any evidence (a Wi-Fi blink raises nothing), counted
from the last frame or successful probe, or from when the monitor first saw the camera. While it stays offline
every tick repeats ``camera_offline`` (grouped into the open alert). The first evidence afterwards publishes
``camera_online``, which resolves it. A camera that is disabled or deleted while offline has its alert resolved
(by ``camera_online`` with ``reason`` "disabled" / "deleted"): nobody is waiting for it to come back.

The monitor's memory (when each camera was last alive) travels in its heartbeat sample, so a monitor that restarts
or takes over in another process (``run_monitors --once`` included) goes on counting from there.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import re
import socket
import ssl
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cameras.models import Camera
from cameras.services.lease import lease_holder
from monitoring.events import AlertEvent
from monitoring.models import UNRESOLVED, Alert
from monitoring.services.publish import publish

logger = logging.getLogger(__name__)

#: A camera that has not answered a probe within this long is unreachable for this tick.
PROBE_TIMEOUT_S = 3.0
#: Probes run side by side, so a school with several dead cameras still gets its tick done in one timeout.
PROBE_THREADS = 8
_CAMERA_KEY = re.compile(r"^camera:(\d+)$")

#: Probe(url, timeout_s) -> None when the stream answered, else why it did not.
Probe = Callable[[str, float], str | None]


# --- probes ----------------------------------------------------------------------------------------------------
def probe_stream(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the camera at ``url`` answers (see the module docstring for what counts), else the reason."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        if scheme in ("http", "https"):
            return _probe_http(url, timeout_s)
        if scheme in ("rtsp", "rtsps"):
            return _probe_rtsp(url, timeout_s)
        if scheme == "file":
            return _probe_file(unquote(parts.path))
        if url.isdigit():
            return _probe_file(f"/dev/video{url}")
        if scheme == "" or len(scheme) == 1:  # a plain path (a one-letter scheme is a Windows drive)
            return _probe_file(url)
    except ValueError as error:  # a malformed address (bad port)
        return _("Invalid stream address: %(error)s") % {"error": error}
    return _("Cannot check streams of type %(scheme)s.") % {"scheme": scheme}


def _probe_file(path: str) -> str | None:
    if not os.path.exists(path):
        return _("No such file: %(path)s") % {"path": path}
    if not os.access(path, os.R_OK):
        return _("The file cannot be read: %(path)s") % {"path": path}
    return None


def _request_target(url: str) -> tuple[str, int | None, str, str, str]:
    """(host, port or None, path with query, the URL without credentials, Basic credentials or "")."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host:
        netloc = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    clean = parts._replace(netloc=netloc).geturl()
    credentials = ""
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        credentials = base64.b64encode(pair.encode()).decode("ascii")
    return host, parts.port, path, clean, credentials


def _exchange(host: str, port: int, request: bytes, timeout_s: float, *, tls: bool) -> bytes:
    """Send ``request`` and return the first line of the answer (at most 512 bytes of it)."""
    with socket.create_connection((host, port), timeout=timeout_s) as raw:
        sock: socket.socket = raw
        if tls:
            # Reachability only: a camera's self-signed certificate must not make it look offline.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw, server_hostname=host)
        sock.settimeout(timeout_s)
        sock.sendall(request)
        answer = b""
        while b"\n" not in answer and len(answer) < 512:
            chunk = sock.recv(512)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\n", 1)[0].strip()


def _probe_http(url: str, timeout_s: float) -> str | None:
    host, port, path, _clean, credentials = _request_target(url)
    if not host:
        return _("The stream address names no host.")
    tls = url.lower().startswith("https:")
    lines = [f"GET {path} HTTP/1.0", f"Host: {host}", "User-Agent: chamada-monitor", "Connection: close"]
    if credentials:
        lines.append(f"Authorization: Basic {credentials}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    try:
        status = _exchange(host, port or (443 if tls else 80), request, timeout_s, tls=tls)
    except (OSError, ssl.SSLError) as error:
        return _("The camera does not answer: %(error)s") % {"error": error or type(error).__name__}
    if not status.startswith(b"HTTP/"):
        return _("The camera's answer is not HTTP.")
    return None


def _probe_rtsp(url: str, timeout_s: float) -> str | None:
    host, port, _path, clean, credentials = _request_target(url)
    if not host:
        return _("The stream address names no host.")
    tls = url.lower().startswith("rtsps:")
    lines = [f"OPTIONS {clean} RTSP/1.0", "CSeq: 1", "User-Agent: chamada-monitor"]
    if credentials:
        lines.append(f"Authorization: Basic {credentials}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    try:
        status = _exchange(host, port or (322 if tls else 554), request, timeout_s, tls=tls)
    except (OSError, ssl.SSLError) as error:
        return _("The camera does not answer: %(error)s") % {"error": error or type(error).__name__}
    if not status.startswith(b"RTSP/"):
        return _("The camera's answer is not RTSP.")
    return None


# --- the monitor -----------------------------------------------------------------------------------------------
@dataclass
class _Seen:
    last_alive: dt.datetime  # the last frame or successful probe (or when the monitor first saw the camera)
    online: bool | None = None  # None: not known yet (no evidence since the monitor started)
    error: str = ""


class CameraMonitor:
    """``tick()`` checks every enabled camera once and returns the heartbeat sample."""

    name = "cameras"

    def __init__(
        self,
        *,
        probe: Probe = probe_stream,
        probe_timeout_s: float = PROBE_TIMEOUT_S,
        now: Callable[[], dt.datetime] = timezone.now,
        offline_after_s: float | None = None,
    ) -> None:
        self.probe = probe
        self.probe_timeout_s = probe_timeout_s
        self.now = now
        self._offline_after_s = offline_after_s
        self.seen: dict[int, _Seen] = {}

    @property
    def offline_after_s(self) -> float:
        return float(self._offline_after_s or settings.CAMERA_OFFLINE_AFTER_S)

    def tick(self) -> dict[str, Any]:
        window = dt.timedelta(seconds=self.offline_after_s)
        cameras = list(
            Camera.objects.filter(enabled=True).values(
                "pk", "name", "classroom_id", "stream_url", "last_frame_at", "last_error"
            )
        )
        running = {camera["pk"]: lease_holder(camera["pk"]) is not None for camera in cameras}
        probes = self._probe_all(
            {camera["pk"]: camera["stream_url"] for camera in cameras if not running[camera["pk"]]}
        )
        now = self.now()
        report: dict[str, Any] = {}
        for camera in cameras:
            camera_id = camera["pk"]
            seen = self.seen.get(camera_id)
            if seen is None:
                seen = self.seen[camera_id] = _Seen(last_alive=now)  # the window starts now: no evidence yet
            last_frame_at: dt.datetime | None = camera["last_frame_at"]
            probed = camera_id in probes
            probe_error = probes.get(camera_id)
            alive_now = (probed and probe_error is None) or (
                last_frame_at is not None and now - last_frame_at <= window
            )
            if probed and probe_error is None:
                seen.last_alive = now
            if last_frame_at is not None and last_frame_at > seen.last_alive:
                seen.last_alive = min(last_frame_at, now)
            seen.error = probe_error or ("" if alive_now else camera["last_error"])
            if now - seen.last_alive > window:
                seen.online = False
                self._publish_offline(camera, seen, running[camera_id], now)
            elif alive_now and seen.online is not True:
                seen.online = True
                publish(
                    AlertEvent(
                        type="camera_online",
                        camera_id=camera_id,
                        classroom_id=camera["classroom_id"],
                        time=now,
                        payload={"back_at": now.isoformat()},
                    )
                )
            report[str(camera_id)] = {
                "name": camera["name"],
                "online": seen.online,
                "processor_running": running[camera_id],
                "last_frame_at": None if last_frame_at is None else last_frame_at.isoformat(),
                "last_alive": seen.last_alive.isoformat(),
                "error": seen.error,
            }
        enabled = {camera["pk"] for camera in cameras}
        for camera_id in set(self.seen) - enabled:
            del self.seen[camera_id]
        self._resolve_unwatched(enabled, now)
        return {"offline_after_s": self.offline_after_s, "cameras": report, "state": self.state()}

    def state(self) -> dict[str, Any]:
        return {
            str(camera_id): {"last_alive": seen.last_alive.isoformat(), "online": seen.online}
            for camera_id, seen in self.seen.items()
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Carry on from an earlier monitor's memory (its heartbeat's ``state``)."""
        for key, value in state.items():
            last_alive = parse_datetime(str(value.get("last_alive") or ""))
            if not key.isdigit() or last_alive is None:
                continue
            online = value.get("online")
            self.seen[int(key)] = _Seen(last_alive=last_alive, online=online if isinstance(online, bool) else None)

    def _probe_all(self, urls: dict[int, str]) -> dict[int, str | None]:
        if not urls:
            return {}
        with ThreadPoolExecutor(min(PROBE_THREADS, len(urls)), thread_name_prefix="camera-probe") as pool:
            futures = {camera_id: pool.submit(self.probe, url, self.probe_timeout_s) for camera_id, url in urls.items()}
        results: dict[int, str | None] = {}
        for camera_id, future in futures.items():
            try:
                results[camera_id] = future.result()
            except Exception as error:  # a probe must never take the monitor down
                logger.exception("camera %s: probe failed", camera_id)
                results[camera_id] = f"{type(error).__name__}: {error}"
        return results

    def _publish_offline(self, camera: Mapping[str, Any], seen: _Seen, running: bool, now: dt.datetime) -> None:
        last_frame_at = camera["last_frame_at"]
        publish(
            AlertEvent(
                type="camera_offline",
                camera_id=camera["pk"],
                classroom_id=camera["classroom_id"],
                time=now,
                payload={
                    "camera": camera["name"],
                    "last_alive": seen.last_alive.isoformat(),
                    "last_frame_at": None if last_frame_at is None else last_frame_at.isoformat(),
                    "processor_running": running,
                    "error": seen.error,
                    "offline_after_s": self.offline_after_s,
                },
            )
        )

    def _resolve_unwatched(self, enabled: set[int], now: dt.datetime) -> None:
        """Resolve the open camera_offline alerts of cameras that are no longer enabled (or no longer exist)."""
        open_alerts = Alert.objects.filter(
            type="camera_offline", status__in=UNRESOLVED, source_key__startswith="camera:"
        )
        for source_key in open_alerts.values_list("source_key", flat=True):
            match = _CAMERA_KEY.match(source_key)
            if match is None or int(match.group(1)) in enabled:
                continue
            camera_id = int(match.group(1))
            camera = Camera.objects.filter(pk=camera_id).values("classroom_id").first()
            publish(
                AlertEvent(
                    type="camera_online",
                    source_key=source_key,
                    camera_id=camera_id if camera else None,
                    classroom_id=camera["classroom_id"] if camera else None,
                    time=now,
                    payload={"reason": "disabled" if camera else "deleted"},
                )
            )
