from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cameras.mjpeg import MjpegServer


class Command(BaseCommand):
    help = "Serve a video file in a loop as an MJPEG stream at /stream, like an ESP32-CAM (Ctrl+C stops)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--fps", type=float, default=10.0)

    def handle(self, *args: Any, file: Path, host: str, port: int, fps: float, **options: Any) -> None:
        # FileNotFoundError: no such file; ValueError: not a video OpenCV can read; OSError: the port is taken.
        try:
            server = MjpegServer(file, host=host, port=port, fps=fps)
            self.stdout.write(
                _("Fake camera: http://%(host)s:%(port)s/stream (Ctrl+C stops)") % {"host": host, "port": port}
            )
            server.serve_forever()
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
