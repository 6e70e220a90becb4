"""Retention: personal data past its period goes (README, "Privacy": the retention table).

`purge_expired` is what the hourly beat task (`school.tasks.purge_expired`) and `manage.py purge_expired` run.
Each kind of data is cleared in batches of BATCH rows, one transaction each: the rows change inside it and their
files are deleted once it commits, so a batch that rolls back keeps both. Rows are found by what they still hold
(a crop, a snapshot, an encoding), so a second run finds nothing, and two runs at once share the work (each skips
the rows the other has locked). What attendance law needs stays: a sighting keeps its row without its crop.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from attendance.models import AttendanceLog
from recognition.models import FaceGroup, FaceMatch, FacePhoto, PhotoFace, ProcessingCache, UnknownFace
from school.models import Student
from school.services.files import delete_files

logger = logging.getLogger(__name__)

#: Rows changed per transaction: large enough to keep the queries few, small enough to hold no lock for long.
BATCH = 2000
#: Threads deleting a batch's files, once there are PARALLEL_FROM of them or more.
DELETE_THREADS = 8
PARALLEL_FROM = 32

#: What a gallery face's encoding becomes once purged (the column is not nullable).
PURGED_ENCODING = b""

EVIDENCE_CROPS = "evidence_crops"
UNKNOWN_GALLERY_FACES = "unknown_gallery_faces"
UNKNOWN_FACES = "unknown_faces"
FACE_CACHE = "face_cache"
STUDENTS_WHO_LEFT = "students_who_left"


def _label(key: str, days: int) -> str:
    labels: dict[str, Callable[[int], str]] = {
        EVIDENCE_CROPS: lambda n: ngettext(
            "face crops of sightings older than %(days)d day",
            "face crops of sightings older than %(days)d days",
            n,
        ),
        UNKNOWN_GALLERY_FACES: lambda n: ngettext(
            "encodings of unknown faces in galleries, older than %(days)d day",
            "encodings of unknown faces in galleries, older than %(days)d days",
            n,
        ),
        UNKNOWN_FACES: lambda n: ngettext(
            "unknown faces kept for review (crop and encoding), older than %(days)d day",
            "unknown faces kept for review (crop and encoding), older than %(days)d days",
            n,
        ),
        FACE_CACHE: lambda n: ngettext(
            "stored gallery results with face encodings, older than %(days)d day",
            "stored gallery results with face encodings, older than %(days)d days",
            n,
        ),
        STUDENTS_WHO_LEFT: lambda n: ngettext(
            "face data of students inactive for %(days)d day or more",
            "face data of students inactive for %(days)d days or more",
            n,
        ),
    }
    label = labels.get(key) or next(rule.label for rule in RULES if rule.key == key)
    return label(days) % {"days": days}


@dataclass(frozen=True)
class RetentionRule:
    """A kind of data another app keeps and purges itself (apps above school register theirs in `ready()`)."""

    key: str
    setting: str  # the *_RETENTION_DAYS setting that gives its period
    label: Callable[[int], str]  # ngettext of its description, with %(days)d
    purge: Callable[[CategoryResult, dt.datetime, bool], None]  # (result, cutoff, dry_run)


RULES: list[RetentionRule] = []


def register(rule: RetentionRule) -> None:
    """Add a rule to every purge, after the school's own (registering twice changes nothing)."""
    if all(known.key != rule.key for known in RULES):
        RULES.append(rule)


@dataclass
class CategoryResult:
    """What one kind of data lost: rows changed (or deleted; for students, students erased) and files deleted.

    In a dry run the same counts say what would go, and `items` lists it."""

    key: str
    days: int
    rows: int = 0
    files: int = 0
    items: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _label(self.key, self.days)


@dataclass
class PurgeReport:
    dry_run: bool
    categories: list[CategoryResult]

    def __getitem__(self, key: str) -> CategoryResult:
        return next(category for category in self.categories if category.key == key)

    @property
    def rows(self) -> int:
        return sum(category.rows for category in self.categories)

    @property
    def files(self) -> int:
        return sum(category.files for category in self.categories)

    @property
    def items(self) -> list[str]:
        return [item for category in self.categories for item in category.items]

    def summary(self) -> str:
        """One line for the log (not translated: logs are read by whoever runs the server)."""
        parts = ", ".join(f"{c.key} {c.rows} ({c.files} files)" for c in self.categories)
        return f"{'would purge' if self.dry_run else 'purged'}: {parts}"


def purge_expired(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Remove every piece of personal data whose retention period (settings *_RETENTION_DAYS) is over.

    With `dry_run` nothing changes, files included: the report says what would go. Each category works in batches
    of its own transactions; files go after each commit (tolerating a file already gone). Called inside an outer
    transaction, the files wait for that one to commit and stay if it rolls back.
    """
    now = now or timezone.now()
    evidence_days = int(settings.EVIDENCE_RETENTION_DAYS)
    unknown_days = int(settings.UNKNOWN_FACE_RETENTION_DAYS)
    biometric_days = int(settings.BIOMETRIC_RETENTION_DAYS)
    report = PurgeReport(
        dry_run=dry_run,
        categories=[
            CategoryResult(EVIDENCE_CROPS, evidence_days),
            CategoryResult(UNKNOWN_GALLERY_FACES, unknown_days),
            CategoryResult(UNKNOWN_FACES, unknown_days),
            CategoryResult(FACE_CACHE, unknown_days),
            *(CategoryResult(rule.key, int(getattr(settings, rule.setting))) for rule in RULES),
            CategoryResult(STUDENTS_WHO_LEFT, biometric_days),
        ],
    )

    clear_in_batches(
        report[EVIDENCE_CROPS],
        AttendanceLog.objects.filter(seen_at__lt=now - dt.timedelta(days=evidence_days)).exclude(crop=""),
        file_field="crop",
        dry_run=dry_run,
    )
    # A gallery face nobody is proposed for (or whose every proposal was rejected), as old as the processing that
    # found it, loses its encoding; its row and box stay, so renditions still blur it and staff may still assign it.
    clear_in_batches(
        report[UNKNOWN_GALLERY_FACES],
        PhotoFace.objects.filter(photo__job__processed_at__lt=now - dt.timedelta(days=unknown_days))
        .exclude(encoding=PURGED_ENCODING)
        .exclude(Exists(FaceMatch.objects.filter(photo_face=OuterRef("pk")).exclude(confirmed=False))),
        values={"encoding": PURGED_ENCODING},
        dry_run=dry_run,
    )
    _purge_unknown_faces(report[UNKNOWN_FACES], now - dt.timedelta(days=unknown_days), dry_run=dry_run)
    # Stored results hold every face's encoding, unknown ones too, and would bring them back on reprocessing.
    # created_at is never later than the payload (update_or_create keeps it), so nothing older survives.
    delete_in_batches(
        report[FACE_CACHE],
        ProcessingCache.objects.filter(created_at__lt=now - dt.timedelta(days=unknown_days)),
        describe=lambda row: f"{ProcessingCache._meta.verbose_name} {row.key}",
        dry_run=dry_run,
    )
    for rule in RULES:
        result = report[rule.key]
        rule.purge(result, now - dt.timedelta(days=result.days), dry_run)
    _erase_students_who_left(
        report[STUDENTS_WHO_LEFT], timezone.localdate(now) - dt.timedelta(days=biometric_days), dry_run=dry_run
    )
    return report


def clear_in_batches(
    result: CategoryResult,
    queryset: models.QuerySet[Any],
    *,
    file_field: str | None = None,
    values: dict[str, Any] | None = None,
    dry_run: bool,
) -> None:
    """Blank `file_field` (deleting its files after commit) or set `values` on every row of `queryset`, BATCH rows
    per transaction, walking the primary key so that a dry run, which changes nothing, still ends."""
    model = queryset.model
    columns = ["pk"] + ([file_field] if file_field else [])
    changes = {file_field: ""} if file_field else dict(values or {})
    storage = model._meta.get_field(file_field).storage if file_field else None
    last = 0
    while True:
        with transaction.atomic():
            batch = queryset.filter(pk__gt=last).order_by("pk")
            if not dry_run:
                batch = batch.select_for_update(skip_locked=True, of=("self",))
            rows = list(batch.values_list(*columns)[:BATCH])
            if not rows:
                return
            last = rows[-1][0]
            names = [row[1] for row in rows if file_field and row[1]]
            if dry_run:
                result.rows += len(rows)
                result.files += len(names)
                result.items.extend(_describe(model, row) for row in rows)
                continue
            result.rows += model._default_manager.filter(pk__in=[row[0] for row in rows]).update(**changes)
            if storage is not None and names:
                transaction.on_commit(partial(_delete_files, storage, names, result))


def _describe(model: type[models.Model], row: tuple[Any, ...]) -> str:
    text = f"{model._meta.verbose_name} {row[0]}"
    return f"{text}: {row[1]}" if len(row) > 1 and row[1] else text


def delete_in_batches(
    result: CategoryResult,
    queryset: models.QuerySet[Any],
    *,
    describe: Callable[[Any], str],
    dry_run: bool,
) -> None:
    """Delete every row of `queryset`, BATCH rows per transaction (skipping the rows another transaction holds: a
    row being written now is not expired anyway), walking the primary key; a dry run lists them with `describe`."""
    last = 0
    while True:
        with transaction.atomic():
            batch = queryset.filter(pk__gt=last).order_by("pk")
            if not dry_run:
                batch = batch.select_for_update(skip_locked=True, of=("self",))
            rows = list(batch[:BATCH])
            if not rows:
                return
            last = rows[-1].pk
            if dry_run:
                result.rows += len(rows)
                result.items.extend(describe(row) for row in rows)
                continue
            deleted, _ = queryset.model._default_manager.filter(pk__in=[row.pk for row in rows]).delete()
            result.rows += deleted


def _delete_files(storage: Storage, names: list[str], result: CategoryResult) -> None:
    """After commit: the rows no longer name these files. A file already gone counts as removed; one that cannot
    be removed is logged and the others still go. Deletions run in parallel: each one mostly waits on the disk
    (or the object store), months-old files being out of every cache."""
    if len(names) < PARALLEL_FROM:
        result.files += delete_files(storage, names)
        return
    with ThreadPoolExecutor(max_workers=DELETE_THREADS, thread_name_prefix="retention") as pool:
        result.files += sum(pool.map(partial(_delete_file, storage), names, chunksize=50))


def _delete_file(storage: Storage, name: str) -> bool:
    return delete_files(storage, [name]) == 1


def _purge_unknown_faces(result: CategoryResult, cutoff: dt.datetime, *, dry_run: bool) -> None:
    """Delete the unknown faces kept for review seen before `cutoff` (row, encoding, crop file after commit), except
    those of groups staff assigned to a student; their groups' sizes and centroids follow, empty open groups go."""
    expired = UnknownFace.objects.filter(seen_at__lt=cutoff).exclude(group__decision=FaceGroup.Decision.STUDENT)
    last = 0
    while True:
        with transaction.atomic():
            batch = expired.filter(pk__gt=last).order_by("pk")
            if not dry_run:
                batch = batch.select_for_update(skip_locked=True, of=("self",))
            rows = list(batch.values_list("pk", "crop", "group_id")[:BATCH])
            if not rows:
                return
            last = rows[-1][0]
            names = [row[1] for row in rows if row[1]]
            if dry_run:
                result.rows += len(rows)
                result.files += len(names)
                result.items.extend(_describe(UnknownFace, row[:2]) for row in rows)
                continue
            _total, deleted = UnknownFace.objects.filter(pk__in=[row[0] for row in rows]).delete()
            result.rows += deleted.get(UnknownFace._meta.label, 0)
            # The review service keeps groups true to their members (and the alert filters' centroids current).
            from recognition.services.review_groups import refresh_groups

            refresh_groups({row[2] for row in rows if row[2] is not None})
            if names:
                storage = UnknownFace._meta.get_field("crop").storage
                transaction.on_commit(partial(_delete_files, storage, names, result))


def _erase_students_who_left(result: CategoryResult, left_by: dt.date, *, dry_run: bool) -> None:
    """Erase the face data of each inactive student who left on or before `left_by` and still has some (a student
    already erased costs nothing: the query does not find them again)."""
    crops = AttendanceLog.objects.filter(student=OuterRef("pk")).exclude(crop="")
    expired = (
        Student.objects.filter(active=False, left_on__lte=left_by)
        .filter(
            Exists(FacePhoto.objects.filter(student=OuterRef("pk")))
            | Exists(FaceMatch.objects.filter(student=OuterRef("pk")))
            | Exists(crops)
        )
        .order_by("pk")
    )
    students = list(expired)  # a few a day: erasing each is its own transaction
    if not students:
        return
    # The erasure service is the one place that knows all that a student's face data is (and logs the erasure).
    from school.services.erasure import erase_face_data, erasure_plan

    for student in students:
        plan = erasure_plan(student) if dry_run else erase_face_data(student)
        if plan.nothing_to_erase:
            continue
        result.rows += 1
        result.files += sum(holding.files for holding in plan.goes)
        if dry_run:
            what = ", ".join(f"{holding.count} {holding.label}" for holding in plan.goes if holding.count)
            result.items.append(
                gettext("%(student)s, left on %(date)s: %(what)s")
                % {"student": student, "date": student.left_on, "what": what}
            )
