from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from cameras.models import Camera
from cameras.services.lease import lease_holder
from cameras.services.processor import BUSY, TIME_LIMIT, run_processor
from cameras.services.status import set_camera_status


class Command(BaseCommand):
    help = "Run one camera's processor in the foreground (Ctrl+C stops it cleanly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("camera_id", type=int)
        parser.add_argument("--max-seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args: Any, camera_id: int, max_seconds: float | None = None, **options: Any) -> None:
        camera = Camera.objects.select_related("classroom").filter(pk=camera_id).first()
        if camera is None:
            raise CommandError(_("There is no camera %(id)s.") % {"id": camera_id})
        stop = threading.Event()
        done = threading.Event()
        outcome: list[str] = []

        def process() -> None:
            try:
                outcome.append(run_processor(camera_id, stop=stop, max_seconds=max_seconds))
            finally:
                connections.close_all()
                done.set()

        # The processor runs in a thread so that Ctrl+C (and SIGTERM) reach this one at once, even while the
        # processor waits on the camera; it then finishes its frame, releases the lease and records its state. The
        # wait is on an Event, not Thread.join: a join interrupted by Ctrl+C may return before the thread ended
        # (CPython gh-90882), and the interpreter would then shut down under a thread still inside OpenCV.
        worker = threading.Thread(target=process, name=f"camera-{camera_id}")
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        self.stdout.write(_("Processing %(camera)s (Ctrl+C stops).") % {"camera": camera})
        worker.start()
        try:
            while not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            self.stdout.write(_("Stopping..."))
            stop.set()
            done.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
        worker.join()
        reason = outcome[0] if outcome else "crashed"
        if reason == BUSY:
            raise CommandError(
                _("Camera %(id)s is already being processed by %(owner)s.")
                % {"id": camera_id, "owner": lease_holder(camera_id) or "?"}
            )
        if reason == TIME_LIMIT:  # nobody takes over from a foreground run, unlike a Celery task's
            set_camera_status(camera_id, state=Camera.State.IDLE, measured_fps=None)
        self.stdout.write(_("Processor stopped: %(reason)s.") % {"reason": reason})
