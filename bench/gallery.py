"""Gallery throughput: event photos searched for enrolled students, through the project's Celery worker pool.

Run: `.venv/bin/python -m bench.gallery [--photos N]` (default 200); needs PostgreSQL (trust auth on
127.0.0.1:5432, `GALLERY_BENCH_DB`) and Redis (`GALLERY_BENCH_REDIS`, default redis://127.0.0.1:6379/12, flushed).
A throw-away database and media folder hold four consenting students enrolled from the fixture portraits and a
gallery of distinct photos made from the fixtures by crops, flips, scales and side-by-side compositions. In the
same run:

1. the naive reference: a sequential `face_recognition` loop (load, locate, encode, distance to the enrolled
   encodings) over the photos, no cache;
2. the worker pool: a real `celery worker -Q photos --concurrency 2 --pool prefork` subprocess processes the
   gallery queued by `queue_gallery`, timed from the queueing until every job is done/error/dead;
3. a second pass over the same gallery with unchanged settings: the jobs are set back to pending and the gallery
   is queued again; every photo must be served from ProcessingCache (proven from the database: no new cache rows,
   every job's `settings_used.cache_key` is an existing row created before the pass, the same faces found).
   `queue_gallery` applies stored results in bulk itself, so this pass sends no task at all.

The last line is the figure.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from bench.django_env import django_env

ROOT = Path(__file__).resolve().parents[1]
FACES = ROOT / "tests" / "fixtures" / "faces"
PORTRAITS = ["obama.jpg", "obama2.jpg", "biden.jpg", "lin-manuel-miranda.png", "alex-lacamoire.png"]
GROUP = "two_people.jpg"
#: Who is enrolled, from which fixture portraits.
ENROLLED = {
    "Barack Obama": ["obama.jpg", "obama2.jpg"],
    "Joe Biden": ["biden.jpg"],
    "Lin-Manuel Miranda": ["lin-manuel-miranda.png"],
    "Alex Lacamoire": ["alex-lacamoire.png"],
}
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/chamada_bench_gallery"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
#: Sources are shrunk to at most this side first, so that a photo is the size of a typical event shot.
SOURCE_MAX_SIDE = 900
TARGET_SPEEDUP = 50.0
WORKER_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class PassResult:
    name: str
    photos: int
    seconds: float
    faces: int
    matches: int

    @property
    def rate(self) -> float:
        return self.photos / self.seconds


def _source(name: str) -> Image.Image:
    with Image.open(FACES / name) as image:
        rgb = image.convert("RGB")
    rgb.thumbnail((SOURCE_MAX_SIDE, SOURCE_MAX_SIDE))
    return rgb


def distinct_photos(count: int) -> list[tuple[str, bytes]]:
    """`count` different JPEG files: single portraits and the group photo cropped, flipped and scaled, and canvases
    with two or three portraits side by side. Every file's bytes differ (checked)."""
    sources = {name: _source(name) for name in [*PORTRAITS, GROUP]}
    singles = [*PORTRAITS, GROUP]
    photos: list[tuple[str, bytes]] = []
    seen: set[bytes] = set()
    index = 0
    while len(photos) < count:
        variant = index // 3
        kind = index % 3
        if kind == 0:  # one source, cropped / flipped / scaled
            image = sources[singles[variant % len(singles)]].copy()
            step = variant // len(singles)
            margin = (step % 5) * 0.02
            width, height = image.size
            image = image.crop((int(width * margin), int(height * margin), int(width * (1 - margin)), height))
            if step % 2:
                image = ImageOps.mirror(image)
            scale = 0.75 + 0.1 * (step % 4)
            image = image.resize((int(image.width * scale), int(image.height * scale)))
        else:  # two (kind 1) or three (kind 2) portraits side by side
            parts = kind + 1
            names = [PORTRAITS[(variant + offset * (1 + variant % 2)) % len(PORTRAITS)] for offset in range(parts)]
            row_height = 300 + 40 * (variant % 4)
            tiles = []
            for position, name in enumerate(names):
                tile = sources[name]
                tile = tile.resize((max(1, int(tile.width * row_height / tile.height)), row_height))
                if (variant + position) % 2:
                    tile = ImageOps.mirror(tile)
                tiles.append(tile)
            gap = 10 + variant % 7
            canvas = Image.new(
                "RGB",
                (sum(tile.width for tile in tiles) + gap * (parts + 1), row_height + 2 * gap),
                (40 + variant % 50, 60, 80),
            )
            left = gap
            for tile in tiles:
                canvas.paste(tile, (left, gap))
                left += tile.width + gap
            image = canvas
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85 + index % 10)
        data = buffer.getvalue()
        index += 1
        if data in seen:
            continue
        seen.add(data)
        photos.append((f"gallery-{len(photos):04d}.jpg", data))
    return photos


def naive(photos: list[tuple[str, bytes]], known: list[Any], tolerance: float) -> PassResult:
    """The reference: a plain sequential face_recognition loop, every photo detected and encoded, no cache."""
    import face_recognition

    faces = matches = 0
    started = time.perf_counter()
    for _name, data in photos:
        image = face_recognition.load_image_file(io.BytesIO(data))
        locations = face_recognition.face_locations(image)
        for encoding in face_recognition.face_encodings(image, known_face_locations=locations):
            faces += 1
            matches += bool(min(face_recognition.face_distance(known, encoding)) <= tolerance)
    return PassResult("sequential face_recognition", len(photos), time.perf_counter() - started, faces, matches)


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def enroll() -> list[Any]:
    """Enroll the consenting students from their portraits (encoded here, in-process); their encodings."""
    from django.utils import timezone

    from recognition.models import FacePhoto
    from recognition.services.enrollment import add_face_photo, encode_pending_photo
    from school.models import Student

    encodings = []
    for number, (name, files) in enumerate(ENROLLED.items()):
        student = Student.objects.create(
            full_name=name, registration=f"G{number:04d}", biometric_consent=True, biometric_consent_at=timezone.now()
        )
        for file in files:
            upload = add_face_photo(student, (FACES / file).read_bytes(), file)
            # With a broker the encoding task goes to the default queue, which the bench's worker does not consume.
            photo = encode_pending_photo(upload.photo.pk)
            if photo is None or photo.status != FacePhoto.Status.READY:
                raise SystemExit(f"enrolling {name} from {file} failed: {photo and photo.rejection_detail}")
            encodings.append(photo.encoding_array())
    return encodings


def start_worker(log_path: Path) -> subprocess.Popen[bytes]:
    from school.celery import app

    log = log_path.open("wb")
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "school",
            "worker",
            "-Q",
            "photos",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "-l",
            "warning",
            "-n",
            f"gallery-bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with {worker.returncode}:\n{log_path.read_text()[-2000:]}")
        if app.control.ping(timeout=0.5):
            return worker
    raise SystemExit("the worker did not answer a ping within 120 s")


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run_pass(gallery: Any, name: str, worker: subprocess.Popen[bytes], log_path: Path) -> PassResult:
    """Queue the gallery and wait until every job is done, error or dead; the faces and matched faces found."""
    from recognition.models import FaceMatch, PhotoFace, PhotoJob
    from recognition.services.gallery import queue_gallery

    finished = [PhotoJob.Status.DONE, PhotoJob.Status.ERROR, PhotoJob.Status.DEAD]
    total = gallery.photos.count()
    started = time.perf_counter()
    queued = queue_gallery(gallery)
    if queued.queued + queued.cached != total:
        raise SystemExit(f"{name}: queue_gallery took {queued} of {total} photos")
    jobs = PhotoJob.objects.filter(photo__gallery=gallery, status__in=finished)
    while jobs.count() < total:
        if worker.poll() is not None:
            raise SystemExit(f"the worker died ({worker.returncode}):\n{log_path.read_text()[-2000:]}")
        if time.perf_counter() - started > WORKER_TIMEOUT_S:
            raise SystemExit(f"{name}: not finished after {WORKER_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    # Wall clock until every job was seen finished: polling adds at most 50 ms to a pass that sends tasks, and
    # none to one served from the cache (queue_gallery has finished it when it returns).
    elapsed = time.perf_counter() - started
    failed = PhotoJob.objects.filter(photo__gallery=gallery).exclude(status=PhotoJob.Status.DONE).count()
    if failed:
        errors = list(PhotoJob.objects.exclude(status=PhotoJob.Status.DONE).values_list("last_error", flat=True)[:3])
        print(f"WARNING: {name}: {failed} jobs did not end done, e.g. {errors}")
    faces = PhotoFace.objects.filter(photo__gallery=gallery).count()
    matched = FaceMatch.objects.filter(photo_face__photo__gallery=gallery).values("photo_face").distinct().count()
    return PassResult(name, total, elapsed, faces, matched)


def cache_state() -> tuple[int, datetime | None, set[str]]:
    from django.db.models import Max

    from recognition.models import ProcessingCache

    rows = ProcessingCache.objects.all()
    return rows.count(), rows.aggregate(latest=Max("created_at"))["latest"], set(rows.values_list("key", flat=True))


def prove_cached(gallery: Any, before: tuple[int, datetime | None, set[str]], since: datetime) -> tuple[int, str]:
    """How many photos of the second pass were served from the cache, from the database, and why."""
    from recognition.models import PhotoJob

    after = cache_state()
    jobs = list(PhotoJob.objects.filter(photo__gallery=gallery).values_list("settings_used", "processed_at"))
    reprocessed = sum(processed_at is not None and processed_at >= since for _used, processed_at in jobs)
    hits = sum(
        used.get("cache_key") in before[2] and processed_at is not None and processed_at >= since
        for used, processed_at in jobs
    )
    new_rows = after[0] - before[0]
    unchanged = after[1] == before[1] and after[2] == before[2]
    note = (
        f"{reprocessed}/{len(jobs)} jobs rewritten in pass 2, {hits} with a cache_key of a row made in pass 1; "
        f"cache rows {before[0]} -> {after[0]} ({new_rows:+d}), newest row "
        f"{'unchanged' if unchanged else 'CHANGED'}"
    )
    return (hits if unchanged and new_rows == 0 else 0), note


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args(argv)
    database_url = os.environ.get("GALLERY_BENCH_DB", DEFAULT_DB)
    redis_url = os.environ.get("GALLERY_BENCH_REDIS", DEFAULT_REDIS)
    env = {"REDIS_URL": redis_url, "ALLOWED_HOSTS": "testserver", "CHAMADA_EMBEDDED_CAMERAS": "0"}
    flush_redis(redis_url)
    try:
        with django_env(
            "chamada-gallery-", database_url=database_url, throwaway=True, env=env, migrate=True
        ) as workdir:
            _bench(args.photos, workdir)
    finally:
        flush_redis(redis_url)
    return 0


def _bench(count: int, workdir: Path) -> None:
    from django.conf import settings
    from django.utils import timezone

    from recognition.models import Gallery, PhotoJob
    from recognition.services.gallery import add_gallery_photos

    worker: subprocess.Popen[bytes] | None = None
    try:
        known = enroll()
        files = distinct_photos(count)
        gallery = Gallery.objects.create(title="Bench gallery")
        added = add_gallery_photos(gallery, files)
        stored = sum(result.created for result in added)
        if stored != len(files):
            raise SystemExit(f"only {stored} of {len(files)} photos were stored")
        pixels = sum((photo.width or 0) * (photo.height or 0) for photo in gallery.photos.all())
        megapixels = pixels / 1e6 / stored
        print(f"{stored} distinct photos, {megapixels:.2f} MP on average; {len(known)} enrolled encodings")

        sequential = naive(files, known, settings.MATCH_TOLERANCE)
        log_path = workdir / "worker.log"
        worker = start_worker(log_path)
        first = run_pass(gallery, "worker pool, first pass", worker, log_path)
        before = cache_state()
        if before[0] < stored:
            print(f"WARNING: only {before[0]} cache rows after the first pass for {stored} photos")
        # queue_gallery leaves done jobs alone: set them back to pending, settings unchanged.
        PhotoJob.objects.filter(photo__gallery=gallery).update(status=PhotoJob.Status.PENDING, attempts=0)
        since = timezone.now()
        second = run_pass(gallery, "worker pool, second pass", worker, log_path)
        hits, proof = prove_cached(gallery, before, since)

        print(f"{'pass':<30} {'photos':>6} {'seconds':>8} {'photos/s':>9} {'faces':>6} {'matches':>7}")
        for result in (sequential, first, second):
            print(
                f"{result.name:<30} {result.photos:>6} {result.seconds:>8.2f} {result.rate:>9.2f} "
                f"{result.faces:>6} {result.matches:>7}"
            )
        print(f"cache hits in the second pass: {hits}/{second.photos} ({proof})")
        if (second.faces, second.matches) != (first.faces, first.matches):
            print("WARNING: the second pass found other faces or matches than the first")
        pool_speedup = first.rate / sequential.rate
        cached_speedup = first.seconds / second.seconds
        if cached_speedup < TARGET_SPEEDUP:
            print(f"TARGET MISSED: cached second pass {cached_speedup:.1f}x faster, target {TARGET_SPEEDUP:.0f}x")
        if hits != second.photos:
            print(f"TARGET MISSED: {second.photos - hits} photos of the second pass were not served from the cache")
        if pool_speedup < 1:
            print(f"NOTE: the worker pool is slower than the sequential loop ({pool_speedup:.2f}x)")
        print(
            f"gallery: {stored} photos, worker pool {first.rate:.1f} photos/s vs sequential {sequential.rate:.1f} "
            f"photos/s ({pool_speedup:.1f}x); cached second pass {second.rate:.0f} photos/s "
            f"({cached_speedup:.0f}x faster than the first)"
        )
    finally:
        if worker is not None:
            stop_worker(worker)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
