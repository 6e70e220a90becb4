"""A fake ESP32-CAM: serves a video file, in a loop, as an MJPEG stream at ``GET /stream``.

The ESP32-CAM's stock firmware answers ``/stream`` with ``multipart/x-mixed-replace`` and one JPEG per part; this
server speaks the same protocol so the camera pipeline can be developed and tested without the hardware::

    python -m cameras.mjpeg tests/fixtures/faces/short_hamilton_clip.mp4 --port 8081

Plain Python (OpenCV for decoding/encoding, ``http.server`` for HTTP); no Django import, so it runs anywhere.

One producer thread decodes the video at ``fps`` and publishes the latest JPEG; every client is sent that same
latest frame, like a real camera: memory stays constant whatever the video's length, and a slow client skips frames
instead of falling behind.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
from cv2.typing import MatLike

__all__ = ["BOUNDARY", "MjpegServer", "main"]

logger = logging.getLogger(__name__)

BOUNDARY = "frame"
_JPEG_QUALITY = 80
# How long a client waits for the next frame before re-checking whether the server is stopping.
_POLL_S = 0.25


class _LatestFrame:
    """The most recent JPEG and its sequence number; clients wait on it for the next one."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._jpeg = b""
        self._sequence = 0

    def publish(self, jpeg: bytes) -> None:
        with self._condition:
            self._jpeg = jpeg
            self._sequence += 1
            self._condition.notify_all()

    def wait_newer(self, sequence: int, timeout: float) -> tuple[int, bytes] | None:
        """The frame after ``sequence`` (the latest one, skipping any missed), or None on timeout."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._sequence > sequence, timeout=timeout):
                return None
            return self._sequence, self._jpeg

    def wake_all(self) -> None:
        with self._condition:
            self._condition.notify_all()


class MjpegServer:
    """Serve ``video_path`` in a loop as ``multipart/x-mixed-replace; boundary=frame`` at ``/stream``.

    ``start()`` runs it in background threads and returns the bound port (``port=0`` picks a free one); ``stop()``
    ends it, disconnecting clients; ``serve_forever()`` runs it in the foreground until interrupted. Any number of
    clients at once; every other path answers 404.
    """

    def __init__(self, video_path: str | Path, host: str = "127.0.0.1", port: int = 8081, fps: float = 10.0) -> None:
        if not fps > 0:
            raise ValueError("fps must be positive")
        self.video_path = Path(video_path)
        if not self.video_path.is_file():
            raise FileNotFoundError(f"no such video file: {self.video_path}")
        self.host = host
        self.port = port
        self.fps = float(fps)
        self._latest = _LatestFrame()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """The stream's address (after ``start()``, with the port actually bound)."""
        return f"http://{self.host}:{self.port}/stream"

    def start(self) -> int:
        """Start serving in background threads; returns the bound port."""
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        self._open_video().release()  # fail here, in the caller's thread, if the video cannot be read
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        # Client threads exit on their own once _stopping is set; daemon so a stuck socket never blocks exit.
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._threads = [
            threading.Thread(target=self._produce, name="mjpeg-producer", daemon=True),
            threading.Thread(target=self._httpd.serve_forever, name="mjpeg-http", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.port

    def stop(self) -> None:
        """Stop serving and disconnect every client. Safe to call twice."""
        self._stopping.set()
        self._latest.wake_all()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self._threads = []

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C (or ``stop()`` from another thread)."""
        port = self.start()
        logger.info("serving %s at http://%s:%d/stream", self.video_path, self.host, port)
        try:
            while not self._stopping.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> MjpegServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _open_video(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(str(self.video_path), cv2.CAP_FFMPEG)
        if not capture.isOpened():
            raise ValueError(f"cannot read video file {self.video_path}")
        return capture

    def _produce(self) -> None:
        """Publish a frame every 1/fps s, following the video's media time (frames are skipped, never slowed)."""
        capture = self._open_video()
        video_fps = capture.get(cv2.CAP_PROP_FPS)
        source_step = video_fps / self.fps if video_fps > 0 else 1.0  # source frames per served frame
        position = 0.0  # source frames still to advance, fractional
        period = 1.0 / self.fps
        next_tick = time.monotonic()
        try:
            capture, frame = self._advance(capture, 1)
            while not self._stopping.is_set():
                encoded, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
                if encoded:
                    self._latest.publish(buffer.tobytes())
                next_tick += period
                delay = next_tick - time.monotonic()
                if delay > 0:
                    self._stopping.wait(delay)
                else:
                    next_tick = time.monotonic()  # running late (slow machine): do not burst to catch up
                position += source_step
                advance = int(position)
                position -= advance
                if advance:  # serving faster than the video's own rate repeats frames instead
                    capture, frame = self._advance(capture, advance)
        except ValueError:
            logger.exception("cannot decode %s", self.video_path)
        finally:
            capture.release()

    def _advance(self, capture: cv2.VideoCapture, frames: int) -> tuple[cv2.VideoCapture, MatLike]:
        """Move ``frames`` frames on and decode that one, starting over at the end of the file."""
        # grab() without retrieve() skips the pixel conversion of the frames that are not served.
        for _ in range(frames - 1):
            if not capture.grab():
                break
        ok, frame = capture.read()
        if not ok or frame is None:
            capture.release()
            capture = self._open_video()
            ok, frame = capture.read()
            if not ok or frame is None:
                capture.release()
                raise ValueError(f"no frame could be decoded from {self.video_path}")
        return capture, frame

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "FakeESP32CAM/1.0"
            timeout = 10.0  # a client that stops reading makes a write time out instead of blocking its thread forever

            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != "/stream":
                    self.send_error(HTTPStatus.NOT_FOUND, "only /stream is served")
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-cache, no-store")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                sequence = 0
                try:
                    while not server._stopping.is_set():
                        newer = server._latest.wait_newer(sequence, _POLL_S)
                        if newer is None:
                            continue
                        sequence, jpeg = newer
                        header = (
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                        ).encode("ascii")
                        self.wfile.write(header + jpeg + b"\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    pass  # the client went away

            def log_message(self, format: str, *args: object) -> None:
                logger.debug("%s - %s", self.address_string(), format % args)

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a video file as a fake ESP32-CAM MJPEG stream at /stream.")
    parser.add_argument("video", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--fps", type=float, default=10.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    MjpegServer(args.video, host=args.host, port=args.port, fps=args.fps).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
