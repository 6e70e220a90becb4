from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from attendance.services.demo import seed_demo_diary
from cameras.services.demo import ensure_demo_camera
from recognition.services.demo import enroll_demo_faces, ensure_demo_gallery
from school.services.demo import DEMO_ADMIN, DEMO_DPO, DEMO_TEACHER, seed_demo_school


class Command(BaseCommand):
    help = "Load the demo school (classroom 3AT.I, its students, a teacher and an admin). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="password for the demo accounts (default: kept in var/)")

    def handle(self, *args: Any, password: str | None = None, **options: Any) -> None:
        password = password or _stored_password()
        school = seed_demo_school(password=password, today=dt.date.today())
        enrolled = enroll_demo_faces()
        camera = ensure_demo_camera(school.classroom)
        gallery = ensure_demo_gallery(school.classroom)
        seed_demo_diary(school.classroom, today=dt.date.today())
        self.stdout.write(
            f"Demo school ready: classroom {school.classroom.code} with {school.students} students, "
            f"{enrolled} with an enrolled face."
        )
        self.stdout.write(f"  camera:        {camera.name} at {camera.stream_url} (served by manage.py fake_camera)")
        self.stdout.write("  monitor:       http://127.0.0.1:8000/monitor/ (admin login: every camera live, alerts)")
        self.stdout.write(
            f"  kiosk:         http://127.0.0.1:8000/classes/{school.classroom.code}/kiosk/ "
            "(teacher login: this computer's webcam takes the attendance; blink to be marked)"
        )
        self.stdout.write(
            f"  gallery:       {gallery.title} with {gallery.photos.count()} photos to process "
            f"(http://127.0.0.1:8000/galleries/{gallery.pk}/)"
        )
        self.stdout.write(
            f"  class diary:   http://127.0.0.1:8000/reports/classrooms/{school.classroom.code}/diary/ "
            "(three weeks of rolls; Joe Biden absent the last days: his absence e-mails print on this console), "
            "http://127.0.0.1:8000/reports/ (the school)"
        )
        self.stdout.write(f"  admin login:   {DEMO_ADMIN} / {password}")
        self.stdout.write(f"  teacher login: {DEMO_TEACHER} / {password}")
        self.stdout.write(f"  DPO login:     {DEMO_DPO} / {password} (Data protection: the access log, at /admin/)")


def _stored_password() -> str:
    # Kept between runs so a second `make demo` does not change the login the user already knows.
    path = settings.VAR_DIR / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password
