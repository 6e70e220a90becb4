"""A Frigate of the tests' own: an HTTP server on 127.0.0.1 that answers the event API as Frigate does and records
every request. A test can script the next answers (a refusal, a failure) or make the next request hang."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    body: Any


class FakeFrigate:
    def __init__(self, cameras: tuple[str, ...]) -> None:
        self.cameras = set(cameras)
        self.requests: list[Received] = []
        self.open_events: set[str] = set()
        self._scripted: deque[tuple[int, Any] | None] = deque()  # None: hang until closed
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-frigate", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer_next(self, status: int, body: Any) -> None:
        """The next request gets this answer instead of Frigate's usual one."""
        with self._lock:
            self._scripted.append((status, body))

    def hang_next(self) -> None:
        """The next request is read and never answered (until the server closes): a Frigate that hangs."""
        with self._lock:
            self._scripted.append(None)

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Received(method, path, body))
            scripted = self._scripted.popleft() if self._scripted else ()
        if scripted is None:
            self._closing.wait(30)
            return 503, {"success": False, "message": "shutting down"}
        if scripted:
            return scripted
        parts = [unquote(part) for part in path.strip("/").split("/")]
        match method, parts:
            case "GET", ["api", "version"]:
                return 200, "0.14.1-fake"
            case "POST", ["api", "events", camera, _label, "create"]:
                if camera not in self.cameras:
                    return 404, {"success": False, "message": f"{camera} is not a valid camera."}
                event_id = f"{time.time():.6f}-{len(self.requests):06d}"
                if isinstance(body, dict) and body.get("duration") is None:
                    self.open_events.add(event_id)
                return 200, {"success": True, "message": "Successfully created event.", "event_id": event_id}
            case "PUT", ["api", "events", event_id, "end"]:
                self.open_events.discard(event_id)
                return 200, {"success": True, "message": "Event successfully ended."}
        return 404, {"detail": "Not Found"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        frigate = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, reply = frigate._answer(self.command, self.path, body)
                data = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain" if isinstance(reply, str) else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the hanging case)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


@contextlib.contextmanager
def fake_frigate(cameras: tuple[str, ...] = ("sala_1a",)) -> Iterator[FakeFrigate]:
    frigate = FakeFrigate(cameras)
    try:
        yield frigate
    finally:
        frigate.close()
