"""Enrollment throughput: photos encoded per second through the real upload path.

Run: `make bench-enroll` (or `.venv/bin/python -m bench.enroll [--photos N]`). Sets up a throw-away SQLite database
and media folder, creates consenting students, and POSTs distinct photos (made from the fixtures by crops, flips and
scales) to `/api/students/{id}/faces` through Django's test client, with encoding in-process as in the embedded
mode, with the defaults (RetinaFace, the fast encoder). The naive reference, in the same run, is
`face_recognition.load_image_file` + `face_encodings` on each file (HOG and dlib's encoder, no checks, nothing
stored): what a user gets without Chamada. The last line is the figure, with the speed-up (target 3x).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

from bench.django_env import django_env

FACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
#: The upload path (RetinaFace, the fast encoder, checks, storage, the database) against the bare loop.
TARGET_SPEEDUP = 3.0
PORTRAITS = ["obama.jpg", "obama2.jpg", "biden.jpg", "lin-manuel-miranda.png", "alex-lacamoire.png"]


def distinct_photos(count: int) -> list[bytes]:
    """`count` different JPEG files, each with one clear face: fixture portraits cropped, flipped and scaled."""
    photos = []
    for index in range(count):
        with Image.open(FACES / PORTRAITS[index % len(PORTRAITS)]) as source:
            image = source.convert("RGB")
        variant = index // len(PORTRAITS)
        margin = (variant % 5) * 0.02
        width, height = image.size
        image = image.crop((int(width * margin), int(height * margin), int(width * (1 - margin)), height))
        if variant % 2:
            image = ImageOps.mirror(image)
        scale = 0.8 + 0.1 * (variant % 4)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        photos.append(buffer.getvalue())
    return photos


def naive(photos: list[bytes]) -> tuple[float, int]:
    import face_recognition

    started = time.perf_counter()
    encoded = 0
    for data in photos:
        image = face_recognition.load_image_file(io.BytesIO(data))
        encoded += len(face_recognition.face_encodings(image)) == 1
    return time.perf_counter() - started, encoded


def through_upload_path(photos: list[bytes]) -> tuple[float, int]:
    from django.contrib.auth.models import Group, User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.test import APIClient

    from recognition.services.engine import get_detector
    from school.models import SECRETARIES_GROUP, Student

    call_command("migrate", verbosity=0)
    secretary = User.objects.create(username="bench-secretary", is_staff=True)
    secretary.groups.add(Group.objects.get(name=SECRETARIES_GROUP))
    client = APIClient()
    client.force_authenticate(secretary)
    students = [
        Student.objects.create(
            full_name=f"Bench Student {index}",
            registration=f"B{index:06d}",
            biometric_consent=True,
            biometric_consent_at=timezone.now(),
        )
        for index in range(len(photos))
    ]
    get_detector()  # model loading is start-up cost, not per-photo cost (the naive side loaded its models too)
    started = time.perf_counter()
    ready = 0
    for student, data in zip(students, photos, strict=True):
        upload = SimpleUploadedFile(f"{student.registration}.jpg", data)
        response = client.post(f"/api/students/{student.pk}/faces", {"image": upload}, format="multipart")
        ready += response.status_code == 201 and response.json()["status"] == "ready"
    elapsed = time.perf_counter() - started
    if Student.objects.filter(face_photos__status="ready").count() != ready:
        raise SystemExit("the API reported a different number of ready photos than the database holds")
    return elapsed, ready


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=60)
    args = parser.parse_args(argv)
    with django_env("chamada-bench-", env={"ALLOWED_HOSTS": "testserver"}):
        return _bench(args.photos)


def _bench(count: int) -> int:
    photos = distinct_photos(count)
    megapixels = (
        sum(Image.open(io.BytesIO(p)).width * Image.open(io.BytesIO(p)).height for p in photos) / 1e6 / len(photos)
    )
    print(f"{len(photos)} distinct photos, {megapixels:.2f} MP on average")
    naive_seconds, naive_ok = naive(photos)
    ours_seconds, ours_ok = through_upload_path(photos)
    print(
        f"naive face_recognition loop: {naive_seconds:.2f} s, {naive_ok} encoded, "
        f"{len(photos) / naive_seconds:.2f} photos/s"
    )
    print(
        f"upload path (HTTP + checks + storage + DB): {ours_seconds:.2f} s, {ours_ok} ready, "
        f"{len(photos) / ours_seconds:.2f} photos/s"
    )
    speedup = naive_seconds / ours_seconds
    status = "met" if speedup >= TARGET_SPEEDUP else "MISSED"
    print(
        f"enroll: {len(photos) / ours_seconds:.2f} photos/s through POST /api/students/{{id}}/faces, "
        f"{speedup:.1f}x the naive encode-only loop ({len(photos) / naive_seconds:.2f} photos/s; target "
        f"{TARGET_SPEEDUP:g}x {status}); {ours_ok}/{len(photos)} ready"
    )
    return 0 if ours_ok == len(photos) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
