from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cameras.services.video_file import process_video_file
from recognition.engine.video import StreamError
from school.models import Classroom


class Command(BaseCommand):
    help = (
        "Recognise a classroom's students in a video file and mark them present, as fast as the machine allows. "
        "Sightings are dated --at (default: now) plus their time in the video."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--classroom", required=True, help="the classroom's code, e.g. 3AT.I")
        parser.add_argument("--at", help="when the video starts, ISO 8601 (e.g. 2026-03-02T07:35); default now")
        parser.add_argument("--fps", type=float, default=None, help="frames analysed per second of video")

    def handle(self, *args: Any, file: Path, classroom: str, at: str | None, fps: float | None, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(_("No such video file: %(path)s") % {"path": file})
        room = Classroom.objects.filter(code=classroom).first()
        if room is None:
            raise CommandError(_("Unknown classroom: %(code)s") % {"code": classroom})
        start = timezone.now()
        if at:
            parsed = parse_datetime(at)
            if parsed is None:
                raise CommandError(_("--at must be an ISO 8601 date and time, not %(value)r") % {"value": at})
            start = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        sample_fps = fps or float(settings.FRAME_SAMPLER_FPS)
        if sample_fps <= 0:
            raise CommandError(_("--fps must be positive"))
        try:
            result = process_video_file(file, room, start=start, sample_fps=sample_fps)
        except StreamError as error:
            raise CommandError(str(error)) from None

        self.stdout.write(
            _("%(frames)d frames (%(seconds).1f s of video), %(analysed)d analysed, in %(elapsed).1f s.")
            % {
                "frames": result.frames,
                "seconds": result.media_seconds,
                "analysed": result.analysed,
                "elapsed": result.processing_seconds,
            }
        )
        if not result.sightings:
            self.stdout.write(_("Nobody from %(classroom)s was recognised.") % {"classroom": room.code})
            return
        for found in result.sightings:
            values = {
                "name": found.student.full_name,
                "registration": found.student.registration,
                "time": timezone.localtime(found.seen_at).strftime("%Y-%m-%d %H:%M:%S"),
                "distance": found.distance,
            }
            presence = found.sighting.presence
            if presence is None:
                line = _("%(name)s (%(registration)s) seen at %(time)s, distance %(distance).3f: no lesson then")
            else:
                values["status"] = presence.get_status_display()
                line = _("%(name)s (%(registration)s) %(status)s at %(time)s, distance %(distance).3f")
            self.stdout.write(line % values)
