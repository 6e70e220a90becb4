"""Retention: purging 100,000 expired sightings with their face crops, against the naive per-row purge.

Run: `make bench-purge` (or `.venv/bin/python -m bench.purge [--sightings N] [--naive N] [--database-url URL]`).
On PostgreSQL when `--database-url` or `DATABASE_URL` names one: the bench works in a throw-away database next to
it (`<name>_bench_purge`, created, then dropped; the database named is never touched). Otherwise on SQLite in a
temporary folder. Files go to a temporary MEDIA_ROOT.

It makes N sightings seen 100 to 199 days ago (past EVIDENCE_RETENTION_DAYS, 90), each with its crop on disk (the
same small JPEG bytes, in the day folders the real crops use), plus a separate sample for the naive purge. Then:

1. naive: for each sighting of the sample, `log.crop.delete(save=True)`, what a per-row loop does (a file deletion
   and a full-row UPDATE each, autocommitted): its rate, and the time it would take for N, extrapolated from the
   sample (stated as such: running it on all N would take minutes);
2. `purge_expired()`: the N sightings, in batches of 2,000 per transaction, files deleted after each commit; its
   time, rate and query count.

It checks that no crop file is left on disk, that every sighting row is kept (without its crop), and that a second
purge finds nothing. The last line is the figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

DAYS_OLD = range(100, 200)  # every crop past the 90 days of EVIDENCE_RETENTION_DAYS


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (190, 140, 110)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_sightings(count: int, student: Any, classroom: Any, media: Path, data: bytes) -> list[str]:
    """`count` expired sightings of `student`, each with its crop file written; returns the files' names."""
    from django.utils import timezone

    from attendance.models import AttendanceLog

    now = timezone.now()
    folders = {}
    for days in DAYS_OLD:
        seen = now - dt.timedelta(days=days)
        folder = f"evidence/{seen:%Y/%m/%d}"
        (media / folder).mkdir(parents=True, exist_ok=True)
        folders[days] = (seen, folder)
    logs, names = [], []
    for index in range(count):
        seen, folder = folders[DAYS_OLD[index % len(DAYS_OLD)]]
        name = f"{folder}/{uuid.uuid4().hex}.jpg"
        (media / name).write_bytes(data)
        names.append(name)
        logs.append(AttendanceLog(student=student, classroom=classroom, seen_at=seen, distance=0.31, crop=name))
    AttendanceLog.objects.bulk_create(logs, batch_size=5000)
    return names


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000, help="sightings the naive purge runs on")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench.django_env import database_beside, django_env

    database_url = database_beside(args.database_url, "bench_purge")
    with django_env(
        "chamada-bench-purge-",
        database_url=database_url,
        throwaway=database_url is not None,
        env={"EVIDENCE_RETENTION_DAYS": "90"},
        migrate=True,
    ) as workdir:
        return bench(args.sightings, args.naive, workdir / "media")


def bench(count: int, naive_count: int, media: Path) -> int:
    from django.db import connection

    from attendance.models import AttendanceLog
    from school.models import Classroom, Student
    from school.services.retention import EVIDENCE_CROPS, purge_expired

    classroom = Classroom.objects.create(code="BENCH", name="Bench", school_year=dt.date.today().year)
    student = Student.objects.create(full_name="Bench Student", registration="B1")
    sampled = Student.objects.create(full_name="Naive Sample", registration="B2")
    data = tiny_jpeg()
    started = time.perf_counter()
    make_sightings(count, student, classroom, media, data)
    make_sightings(naive_count, sampled, classroom, media, data)
    files_made = sum(1 for path in media.rglob("*.jpg"))
    print(
        f"{count + naive_count} expired sightings with {files_made} crop files of {len(data)} bytes "
        f"({connection.vendor}; made in {time.perf_counter() - started:.1f} s)"
    )

    # 1. The naive purge on its sample: a file deletion and a full-row save per sighting.
    started = time.perf_counter()
    for log in AttendanceLog.objects.filter(student=sampled).exclude(crop="").iterator(chunk_size=1000):
        log.crop.delete(save=True)
    naive_s = time.perf_counter() - started
    naive_rate = naive_count / naive_s
    print(
        f"naive (log.crop.delete(save=True) per row) on {naive_count}: {naive_s:.1f} s, {naive_rate:,.0f}/s; "
        f"extrapolated to {count}: {count / naive_rate:.0f} s"
    )

    # 2. The batched purge on the N sightings (the sample has no crop left: it is not found again).
    queries: list[float] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - began)

    started = time.perf_counter()
    with connection.execute_wrapper(counted):
        report = purge_expired()
    purge_s = time.perf_counter() - started
    purged = report[EVIDENCE_CROPS]
    rate = purged.rows / purge_s
    print(
        f"purge_expired: {purged.rows} crops cleared, {purged.files} files deleted in {purge_s:.1f} s "
        f"({rate:,.0f}/s), {len(queries)} queries taking {sum(queries):.1f} s"
    )

    files_left = sum(1 for path in media.rglob("*") if path.is_file())
    rows_kept = AttendanceLog.objects.filter(student=student).count()
    crops_left = AttendanceLog.objects.exclude(crop="").count()
    started = time.perf_counter()
    again = purge_expired()  # what beat's hourly run costs once nothing is due
    again_s = time.perf_counter() - started
    ok = (
        files_left == 0
        and rows_kept == count
        and crops_left == 0
        and purged.rows == count
        and again.rows == 0
        and AttendanceLog.objects.filter(student=sampled).count() == naive_count
    )
    print(
        f"checks: crops left in rows {crops_left}, second purge {again.rows} rows in {again_s * 1000:.0f} ms: "
        f"{'ok' if ok else 'FAILED'}"
    )
    print(
        f"purge: {count} expired sightings in {purge_s:.1f} s ({rate:,.0f}/s) vs naive {naive_rate:,.0f}/s "
        f"({rate / naive_rate:.0f}x; naive measured on {naive_count}, {count / naive_rate:.0f} s extrapolated), "
        f"files left {files_left}, rows kept {rows_kept}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
