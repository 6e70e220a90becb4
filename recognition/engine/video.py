"""Reading frames from a video file, an RTSP camera or an HTTP MJPEG camera (ESP32-CAM ``http://<ip>/stream``).

Everything goes through ``cv2.VideoCapture`` with the FFmpeg backend: FFmpeg's ``mpjpeg`` demuxer reads the
``multipart/x-mixed-replace`` stream of an ESP32-CAM (checked against :mod:`cameras.mjpeg`, the fake camera used by
the tests), so no hand-written multipart parser is needed.

Timestamps are what the pipeline's sampler schedules on: a file's media time (so a file analyses the same frames
however fast the machine is), or ``time.monotonic()`` when a live frame arrived.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np
from cv2.typing import MatLike

from .images import RGBImage

__all__ = ["DEFAULT_STREAM_TIMEOUT_S", "LIVE_SCHEMES", "FrameStream", "StreamError", "is_live", "open_frames"]

#: How long opening a live source, or waiting for its next frame, may take before it counts as failed.
DEFAULT_STREAM_TIMEOUT_S = 10.0
LIVE_SCHEMES = frozenset({"http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "udp", "tcp", "srt"})
#: What :func:`open_frames` returns: a generator, so ``close()`` releases the source early.
FrameStream = Generator[tuple[float, RGBImage], None, None]
# A file frame later than this many frame periods behind the wall clock is dropped in realtime mode.
_LATE_FRAMES = 1.0


class StreamError(RuntimeError):
    """A video source could not be opened, or a live stream stopped delivering frames."""

    def __init__(self, source: str, message: str) -> None:
        self.source = redact(source)
        super().__init__(f"{self.source}: {message}")


def is_live(source: str) -> bool:
    """True for camera URLs (http, rtsp, ...), False for local files."""
    return urlsplit(source).scheme.lower() in LIVE_SCHEMES


def redact(source: str) -> str:
    """``source`` without the password of ``scheme://user:password@host`` (camera URLs often carry one)."""
    parts = urlsplit(source)
    if parts.password is None:
        return source
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def open_frames(source: str, *, realtime: bool, timeout_s: float = DEFAULT_STREAM_TIMEOUT_S) -> FrameStream:
    """Open ``source`` and iterate over ``(timestamp in seconds, RGB frame)``.

    Files: timestamps are media time (0.0 for the first frame) and the iterator simply ends with the file.
    ``realtime=False`` decodes as fast as the consumer pulls; ``realtime=True`` plays at the file's own speed and
    drops the frames a slow consumer is too late for, as a live camera would.

    Live sources: timestamps are ``time.monotonic()`` at arrival. ``realtime=False`` yields every frame in order
    (a slow consumer falls behind); ``realtime=True`` reads in a background thread and always yields the newest
    frame, dropping the ones the consumer had no time for, so analysis never lags the camera.

    Raises :class:`StreamError` right away when the source cannot be opened, and from the iterator when a live
    stream ends or sends nothing for ``timeout_s``. Close the iterator (or exhaust it) to release the source.
    """
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    live = is_live(source)
    if not live and not Path(source).is_file():
        raise StreamError(source, "no such video file")
    timeout_ms = round(timeout_s * 1000)
    capture = cv2.VideoCapture(
        source, cv2.CAP_FFMPEG, [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    )
    if not capture.isOpened():
        capture.release()
        kind = "cannot connect to the camera stream" if live else "cannot decode the video file"
        raise StreamError(source, f"{kind} (OpenCV/FFmpeg could not open it)")
    if not live:
        return _file_frames(capture, realtime)
    if realtime:
        return _latest_live_frames(capture, source, timeout_s)
    return _live_frames(capture, source, timeout_s)


def _to_rgb(bgr: MatLike) -> RGBImage:
    # asarray only narrows the type for mypy: cvtColor already returns uint8 for uint8 input (no copy).
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def _file_frames(capture: cv2.VideoCapture, realtime: bool) -> FrameStream:
    fps = capture.get(cv2.CAP_PROP_FPS)
    period = 1.0 / fps if fps > 0 else 1.0 / 30.0
    index = 0
    previous = -1.0
    clock_origin: float | None = None  # monotonic time at which media time 0 is "now", in realtime mode
    try:
        # grab() then retrieve(): a frame dropped in realtime mode is never converted to pixels.
        while capture.grab():
            timestamp = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            # Some containers report no position (0.0) or a non-increasing one: fall back to the frame index.
            if timestamp <= previous:
                timestamp = index * period
            index += 1
            previous = timestamp
            if realtime:
                now = time.monotonic()
                if clock_origin is None:
                    clock_origin = now - timestamp
                lag = now - clock_origin - timestamp
                if lag > _LATE_FRAMES * period:
                    continue
                if lag < 0:
                    time.sleep(-lag)
            ok, bgr = capture.retrieve()
            if not ok or bgr is None:
                return  # a damaged tail ends a file like its end does
            yield timestamp, _to_rgb(bgr)
    finally:
        capture.release()


def _live_frames(capture: cv2.VideoCapture, source: str, timeout_s: float) -> FrameStream:
    try:
        while True:
            ok, bgr = capture.read()
            if not ok or bgr is None:
                raise StreamError(source, f"the stream ended (closed, or no frame within {timeout_s:g} s)")
            yield time.monotonic(), _to_rgb(bgr)
    finally:
        capture.release()


class _LatestFrameReader:
    """Reads a live capture in a thread and keeps only the newest frame (the thread owns the capture)."""

    def __init__(self, capture: cv2.VideoCapture) -> None:
        self._capture = capture
        self._condition = threading.Condition()
        self._frame: tuple[float, MatLike] | None = None
        self._sequence = 0
        self._failed = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                ok, bgr = self._capture.read()
                with self._condition:
                    if not ok or bgr is None:
                        self._failed = True
                        self._condition.notify_all()
                        return
                    self._frame = (time.monotonic(), bgr)
                    self._sequence += 1
                    self._condition.notify_all()
        finally:
            # Released here, never by the consumer: releasing while read() blocks in this thread is unsafe.
            self._capture.release()

    def next_after(self, sequence: int, timeout_s: float) -> tuple[int, float, MatLike] | None:
        """The newest frame after ``sequence``; None when the stream failed or nothing came within the timeout."""
        with self._condition:
            self._condition.wait_for(lambda: self._sequence > sequence or self._failed, timeout=timeout_s)
            if self._sequence > sequence and self._frame is not None:
                timestamp, bgr = self._frame
                return self._sequence, timestamp, bgr
            return None

    def close(self) -> None:
        self._stopping.set()
        # A read() blocked on a silent camera returns within the read timeout; the daemon thread then exits alone.
        self._thread.join(timeout=1.0)


def _latest_live_frames(capture: cv2.VideoCapture, source: str, timeout_s: float) -> FrameStream:
    reader = _LatestFrameReader(capture)
    sequence = 0
    try:
        while True:
            # A little more than FFmpeg's own read timeout, so its verdict normally arrives first.
            latest = reader.next_after(sequence, timeout_s + 1.0)
            if latest is None:
                raise StreamError(source, f"the stream ended (closed, or no frame within {timeout_s:g} s)")
            sequence, timestamp, bgr = latest
            yield timestamp, _to_rgb(bgr)
    finally:
        reader.close()
