"""Gallery recognition: event photos in which the enrolled students are found. Every write to gallery data goes
through here.

A photo is processed once per (content, settings, matcher index version): the result is kept in ProcessingCache,
so the same bytes in another gallery, or a second run, cost no detection. Each photo has a PhotoJob that records
where its processing stands, so retries and crashed workers never lose or duplicate work.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from recognition import events
from recognition.engine import ImageRejected, load_image
from recognition.models import (
    FaceMatch,
    Gallery,
    GalleryPhoto,
    NegativeExample,
    PhotoFace,
    PhotoJob,
    ProcessingCache,
    pack_encoding,
)
from recognition.services.engine import get_detector
from recognition.services.index import get_matcher, index_version
from recognition.services.negatives import record_negative, withdraw_negative
from recognition.services.recognize import roster_ids
from recognition.services.unknown_faces import detach_gallery_faces, keep_unmatched_gallery_faces, sync_gallery_face
from school.models import Student
from school.services.consent import biometric_consent_q
from school.services.uploads import image_file

logger = logging.getLogger(__name__)

#: A job `processing` for longer than this was left by a worker that died: it is queued again.
STALE_AFTER = timedelta(minutes=10)
#: Candidates kept per face (the accepted student first, then others also within tolerance).
TOP_K = 3


@dataclass(frozen=True)
class AddedPhoto:
    filename: str
    photo: GalleryPhoto | None  # None: refused, nothing stored
    created: bool  # False: refused, or the same bytes were already in the gallery
    code: str = ""  # the refusal reason (a RejectionCode value)
    detail: str = ""


@dataclass(frozen=True)
class MatchResult:
    face_index: int
    student_id: int
    distance: float
    similarity: float


@dataclass(frozen=True)
class PhotoResult:
    face_count: int
    matches: list[MatchResult]
    cached: bool


def add_gallery_photos(
    gallery: Gallery, files: list[tuple[str, bytes]], by: User | AnonymousUser | None = None
) -> list[AddedPhoto]:
    """Store the usable images among `files` in `gallery`, each with a pending job; one result per file, in order.

    Files that are not usable images are refused (and not stored); the same bytes already in the gallery give the
    existing photo back. What is stored is the decoded picture re-encoded (upright, without metadata or anything
    else the upload carried) under a random name. Nothing is processed here: see queue_gallery and process_photo.
    """
    results = []
    for filename, data in files:
        try:
            image = load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
        except ImageRejected as rejection:
            results.append(AddedPhoto(filename, None, False, rejection.code.value, rejection.detail))
            continue
        digest = hashlib.sha256(data).hexdigest()
        existing = GalleryPhoto.objects.filter(gallery=gallery, content_hash=digest).first()
        if existing is not None:
            results.append(AddedPhoto(filename, existing, False))
            continue
        photo = GalleryPhoto(
            gallery=gallery,
            content_hash=digest,
            width=image.shape[1],
            height=image.shape[0],
            uploaded_by=by if isinstance(by, User) else None,
        )
        stored = image_file(image, source=data)
        photo.image.save(str(stored.name), stored, save=False)
        try:
            with transaction.atomic():
                photo.save()
                PhotoJob.objects.create(photo=photo)
        except IntegrityError:  # the same bytes uploaded at the same moment by another request
            photo.image.delete(save=False)
            results.append(AddedPhoto(filename, GalleryPhoto.objects.get(gallery=gallery, content_hash=digest), False))
            continue
        results.append(AddedPhoto(filename, photo, True))
    return results


def gallery_scope(gallery: Gallery) -> set[int] | None:
    """The students looked for: the gallery's classrooms' rosters, or everyone (None) when it has no classroom."""
    classrooms = list(gallery.classrooms.all())
    if not classrooms:
        return None
    return set().union(*(roster_ids(classroom) for classroom in classrooms))


def cache_key(content_hash: str, tolerance: float, max_faces: int | None, version: int, scope: set[int] | None) -> str:
    # The scope is part of the key too: the same bytes in galleries of other classrooms match other students.
    scope_digest = "all" if scope is None else hashlib.sha256(json.dumps(sorted(scope)).encode()).hexdigest()
    raw = f"{content_hash}|{tolerance!r}|{max_faces}|{version}|{scope_digest}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _detect(photo: GalleryPhoto, tolerance: float, max_faces: int | None, scope: set[int] | None) -> dict[str, Any]:
    """Detect, encode and match the faces of `photo`: the cache payload. Raises ImageRejected, OSError."""
    with photo.image.open("rb") as stored:
        data = stored.read()
    image = load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    detector = get_detector()
    boxes = detector.detect(image)
    if max_faces:
        boxes = boxes[:max_faces]
    encodings = detector.encode(image, boxes)
    results = get_matcher().match(encodings, top_k=TOP_K, scope=scope, tolerance=tolerance) if boxes else []
    faces = []
    for box, encoding, result in zip(boxes, encodings, results, strict=True):
        matches = []
        if result.match is not None:
            # As recognize_image: the accepted student first, then the other students also within tolerance.
            matches = [
                {
                    "student_id": candidate.student_id,
                    "distance": round(candidate.distance, 4),
                    "similarity": round(candidate.similarity, 1),
                }
                for candidate in result.candidates
                if candidate.distance <= tolerance
            ]
        faces.append(
            {
                "box": box.to_dict(),
                "score": None,  # dlib's HOG detector gives no score
                "encoding": base64.b64encode(pack_encoding(encoding)).decode("ascii"),
                "matches": matches,
            }
        )
    return {"faces": faces}


@dataclass(frozen=True)
class ProcessingRun:
    """The settings a gallery's photos are processed with now: what their cache keys are made of."""

    tolerance: float
    max_faces: int | None
    version: int
    scope: set[int] | None

    @classmethod
    def current(
        cls, gallery: Gallery, *, tolerance: float | None = None, max_faces: int | None = None
    ) -> ProcessingRun:
        return cls(
            tolerance=settings.MATCH_TOLERANCE if tolerance is None else float(tolerance),
            max_faces=max_faces,
            version=index_version(),
            scope=gallery_scope(gallery),
        )

    def key(self, content_hash: str) -> str:
        return cache_key(content_hash, self.tolerance, self.max_faces, self.version, self.scope)

    def used(self, key: str) -> dict[str, Any]:
        """What a job records of the processing that produced its faces."""
        return {
            "tolerance": self.tolerance,
            "max_faces": self.max_faces,
            "index_version": self.version,
            "cache_key": key,
        }


def process_photo(photo: GalleryPhoto, *, tolerance: float | None = None, max_faces: int | None = None) -> PhotoResult:
    """Find the faces of `photo` and the students they belong to; replace its faces and matches and mark its job
    done. Raises ImageRejected for unusable images and OSError when the file cannot be read.

    A result cached for the same content and settings is reused without running detection. Reviews (confirmed or
    rejected matches) of the same face and student survive a reprocessing.
    """
    run = ProcessingRun.current(photo.gallery, tolerance=tolerance, max_faces=max_faces)
    key = run.key(photo.content_hash)
    now = timezone.now()
    entry = ProcessingCache.objects.filter(key=key, expires_at__gt=now).first()
    cached = entry is not None
    if entry is not None:
        payload = entry.payload
    else:
        payload = _detect(photo, run.tolerance, max_faces, run.scope)
        ProcessingCache.objects.update_or_create(
            key=key,
            defaults={"payload": payload, "expires_at": now + timedelta(seconds=settings.FACE_CACHE_TTL)},
        )
    with transaction.atomic():
        PhotoJob.objects.select_for_update().get_or_create(photo=photo)
        matches = _replace_faces({photo.pk: (key, payload)}, run)[photo.pk]
        gallery_id = photo.gallery_id
        transaction.on_commit(lambda: send_progress(gallery_id, photo.pk, PhotoJob.Status.DONE.value))
    return PhotoResult(face_count=len(payload["faces"]), matches=matches, cached=cached)


class _Review(NamedTuple):
    confirmed: bool | None  # never None here: only reviewed matches are read
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    distance: float
    similarity: float


def _replace_faces(results: dict[int, tuple[str, dict[str, Any]]], run: ProcessingRun) -> dict[int, list[MatchResult]]:
    """Replace the faces and matches of the photos in `results` (photo id -> cache key, payload) by the payload's
    and mark their jobs done, in a fixed number of queries however many photos; returns the matches written, by
    photo. Call inside a transaction, with the photos' jobs locked."""
    payloads = {photo_id: payload for photo_id, (_key, payload) in results.items()}
    photo_ids = list(payloads)
    # People's decisions survive a reprocessing: a reviewed match keeps its review, and a face assigned by hand
    # (a confirmed match the detection did not propose) is assigned again.
    reviews = {
        (photo_id, index, student_id): _Review(confirmed, by_id, at, distance, similarity)
        for photo_id, index, student_id, confirmed, by_id, at, distance, similarity in FaceMatch.objects.filter(
            photo_face__photo_id__in=photo_ids, confirmed__isnull=False
        ).values_list(
            "photo_face__photo_id",
            "photo_face__index",
            "student_id",
            "confirmed",
            "reviewed_by_id",
            "reviewed_at",
            "distance",
            "similarity",
        )
    }
    unknown_before = detach_gallery_faces(photo_ids)  # kept for review: they must outlive their PhotoFace rows
    PhotoFace.objects.filter(photo_id__in=photo_ids).delete()  # cascades to the matches
    new_faces = [
        PhotoFace(
            photo_id=photo_id,
            index=index,
            box_top=face["box"]["top"],
            box_right=face["box"]["right"],
            box_bottom=face["box"]["bottom"],
            box_left=face["box"]["left"],
            detection_score=face["score"],
            encoding=base64.b64decode(face["encoding"]),
        )
        for photo_id, payload in payloads.items()
        for index, face in enumerate(payload["faces"])
    ]
    stored = {(face.photo_id, face.index): face for face in PhotoFace.objects.bulk_create(new_faces)}
    # A student enrolled but since deleted, or whose consent was withdrawn (the cache and the index may be older),
    # is not matched; a face a person assigned stays assigned (it keeps no encoding of the student).
    wanted = {
        match["student_id"] for payload in payloads.values() for face in payload["faces"] for match in face["matches"]
    } | {student_id for _photo, _index, student_id in reviews}
    existing = set(Student.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    matchable = set(Student.objects.filter(biometric_consent_q(), pk__in=wanted).values_list("pk", flat=True))
    rows = []
    written: dict[int, list[MatchResult]] = {photo_id: [] for photo_id in photo_ids}
    for photo_id, payload in payloads.items():
        for index, face in enumerate(payload["faces"]):
            for match in face["matches"]:
                if match["student_id"] not in matchable:
                    continue
                review = reviews.pop((photo_id, index, match["student_id"]), None)
                rows.append(
                    FaceMatch(
                        photo_face=stored[photo_id, index],
                        student_id=match["student_id"],
                        distance=match["distance"],
                        similarity=match["similarity"],
                        confirmed=review.confirmed if review else None,
                        reviewed_by_id=review.reviewed_by_id if review else None,
                        reviewed_at=review.reviewed_at if review else None,
                    )
                )
                written[photo_id].append(
                    MatchResult(index, match["student_id"], match["distance"], match["similarity"])
                )
    for (photo_id, index, student_id), review in reviews.items():
        face_found = stored.get((photo_id, index))
        if review.confirmed and face_found is not None and student_id in existing:
            rows.append(
                FaceMatch(
                    photo_face=face_found,
                    student_id=student_id,
                    distance=review.distance,
                    similarity=review.similarity,
                    confirmed=True,
                    reviewed_by_id=review.reviewed_by_id,
                    reviewed_at=review.reviewed_at,
                )
            )
    FaceMatch.objects.bulk_create(rows)
    now = timezone.now()
    jobs = list(PhotoJob.objects.filter(photo_id__in=photo_ids))
    for job in jobs:
        job.status = PhotoJob.Status.DONE
        job.last_error = ""
        job.processed_at = now
        job.updated_at = now
        job.settings_used = run.used(results[job.photo_id][0])
    PhotoJob.objects.bulk_update(jobs, ["status", "last_error", "processed_at", "updated_at", "settings_used"])
    keep_unmatched_gallery_faces(photo_ids, unknown_before, now)  # faces nobody is proposed for: to review
    return written


def send_progress(gallery_id: int, photo_id: int | None = None, status: str | None = None) -> None:
    """Tell the gallery's pages the counts, and which photo just ended in which status (None: several did)."""
    counts = job_counts(gallery_id)
    events.send_gallery_progress(
        gallery_id,
        {
            "done": counts[PhotoJob.Status.DONE],
            "failed": counts[PhotoJob.Status.ERROR] + counts[PhotoJob.Status.DEAD],
            "total": counts["total"],
            "photo": photo_id,
            "status": status,
        },
    )


def job_counts(gallery_id: int) -> dict[str, int]:
    """How many of the gallery's photos are in each job state, and in all ("total"; a photo without a job is
    pending)."""
    aggregates = {status.value: Count("pk", filter=Q(job__status=status.value)) for status in PhotoJob.Status}
    counts: dict[str, int] = GalleryPhoto.objects.filter(gallery_id=gallery_id).aggregate(
        total=Count("pk"), without_job=Count("pk", filter=Q(job__isnull=True)), **aggregates
    )
    counts[PhotoJob.Status.PENDING] += counts.pop("without_job")
    return counts


@dataclass(frozen=True)
class QueuedPhotos:
    queued: int  # photos sent to the workers
    cached: int  # photos done at once from their stored result


#: Stored results applied per batch (bounds the memory and the size of each statement).
CACHED_BATCH = 500


def queue_gallery(gallery: Gallery) -> QueuedPhotos:
    """Process every photo of `gallery` whose job is not done or in progress. Jobs that failed (error, dead) start
    again from their first attempt.

    Photos with a stored result for the current settings (ProcessingCache) are done here and now, in bulk, in a
    few queries per batch; only the others become a task each. So processing an unchanged gallery again costs
    neither detection nor a task per photo.
    """
    run = ProcessingRun.current(gallery)
    with transaction.atomic():
        PhotoJob.objects.bulk_create(
            [PhotoJob(photo=photo) for photo in GalleryPhoto.objects.filter(gallery=gallery, job__isnull=True)],
            ignore_conflicts=True,
        )
        jobs = PhotoJob.objects.select_for_update(of=("self",)).filter(
            photo__gallery=gallery,
            status__in=[PhotoJob.Status.PENDING, PhotoJob.Status.ERROR, PhotoJob.Status.DEAD],
        )
        keys = {
            photo_id: run.key(content_hash)
            for photo_id, content_hash in jobs.values_list("photo_id", "photo__content_hash")
        }
        now = timezone.now()
        stored = dict(
            ProcessingCache.objects.filter(key__in=set(keys.values()), expires_at__gt=now).values_list("key", "payload")
        )
        hits = [photo_id for photo_id, key in keys.items() if key in stored]
        for first in range(0, len(hits), CACHED_BATCH):
            batch = hits[first : first + CACHED_BATCH]
            _replace_faces({photo_id: (keys[photo_id], stored[keys[photo_id]]) for photo_id in batch}, run)
        misses = [photo_id for photo_id in keys if keys[photo_id] not in stored]
        PhotoJob.objects.filter(photo_id__in=misses).exclude(status=PhotoJob.Status.PENDING).update(
            status=PhotoJob.Status.PENDING, attempts=0, updated_at=now
        )
        transaction.on_commit(lambda: _queue(misses))
        if hits:
            transaction.on_commit(lambda: send_progress(gallery.pk))
    return QueuedPhotos(queued=len(misses), cached=len(hits))


def retry_jobs(job_ids: list[int]) -> int:
    """Queue the failed (error, dead) jobs among `job_ids` again from their first attempt; returns how many."""
    with transaction.atomic():
        jobs = PhotoJob.objects.select_for_update().filter(
            pk__in=job_ids, status__in=[PhotoJob.Status.ERROR, PhotoJob.Status.DEAD]
        )
        photo_ids = list(jobs.values_list("photo_id", flat=True))
        PhotoJob.objects.filter(photo_id__in=photo_ids).update(
            status=PhotoJob.Status.PENDING, attempts=0, updated_at=timezone.now()
        )
        transaction.on_commit(lambda: _queue(photo_ids))
    return len(photo_ids)


def _queue(photo_ids: list[int]) -> None:
    from recognition.tasks import process_gallery_photo

    for photo_id in photo_ids:
        process_gallery_photo.delay(photo_id)


def start_photo_job(photo_id: int) -> PhotoJob | None:
    """Mark the photo's job processing and count the attempt; None when there is nothing to do: the job is done,
    or ended (error, dead: every path that queues a job sets it back to pending first, so a message for an ended
    job is a stale one, e.g. a dead worker's coming back), or the photo is gone. A task delivered twice does the
    work once."""
    with transaction.atomic():
        job = PhotoJob.objects.select_for_update().filter(photo_id=photo_id).select_related("photo").first()
        if job is None:
            if not GalleryPhoto.objects.filter(pk=photo_id).exists():
                return None
            job, _created = PhotoJob.objects.get_or_create(photo_id=photo_id)
        if job.status in (PhotoJob.Status.DONE, PhotoJob.Status.ERROR, PhotoJob.Status.DEAD):
            return None
        job.status = PhotoJob.Status.PROCESSING
        job.attempts = F("attempts") + 1
        job.save(update_fields=["status", "attempts", "updated_at"])
    job.refresh_from_db()
    return job


def end_photo_job(photo_id: int, status: PhotoJob.Status, error: str) -> None:
    """Record a failed attempt: `pending` (a retry is coming), or the final `error` / `dead`."""
    with transaction.atomic():
        updated = (
            PhotoJob.objects.filter(photo_id=photo_id)
            .exclude(status=PhotoJob.Status.DONE)
            .update(status=status, last_error=error[:255], updated_at=timezone.now())
        )
        if updated and status != PhotoJob.Status.PENDING:
            gallery_id = GalleryPhoto.objects.filter(pk=photo_id).values_list("gallery_id", flat=True).first()
            if gallery_id is not None:
                transaction.on_commit(lambda: send_progress(gallery_id, photo_id, str(status)))


def requeue_stale_jobs(older_than: timedelta = STALE_AFTER) -> int:
    """Queue again the jobs left `processing` by a worker that died; returns how many."""
    with transaction.atomic():
        stale = PhotoJob.objects.select_for_update(skip_locked=True).filter(
            status=PhotoJob.Status.PROCESSING, updated_at__lt=timezone.now() - older_than
        )
        photo_ids = list(stale.values_list("photo_id", flat=True))
        PhotoJob.objects.filter(photo_id__in=photo_ids).update(
            status=PhotoJob.Status.PENDING, updated_at=timezone.now()
        )
        if photo_ids:
            logger.warning("requeueing %d gallery photo jobs left processing", len(photo_ids))
        transaction.on_commit(lambda: _queue(photo_ids))
    return len(photo_ids)


def purge_expired_cache() -> int:
    count, _ = ProcessingCache.objects.filter(expires_at__lte=timezone.now()).delete()
    return count


def review_match(match: FaceMatch, confirmed: bool, by: User | AnonymousUser | None) -> FaceMatch:
    """Record a person's decision on a match: the student is (True) or is not (False) this face."""
    with transaction.atomic():
        FaceMatch.objects.filter(pk=match.pk).update(
            confirmed=confirmed, reviewed_by=by if isinstance(by, User) else None, reviewed_at=timezone.now()
        )
        sync_gallery_face(match.photo_face)  # its last proposal rejected, a face is a stranger's to review
        # A rejection teaches the matcher: this face (and faces nearer to it than to the student's photos) is not
        # the student. Reviewing it again as a confirmation takes the lesson back.
        origin = f"face match {match.pk}"
        if confirmed:
            withdraw_negative(match.student, source=NegativeExample.Source.GALLERY_REJECTION, origin=origin)
        else:
            record_negative(
                match.student,
                match.photo_face.encoding,
                source=NegativeExample.Source.GALLERY_REJECTION,
                origin=origin,
                by=by,
            )
    match.refresh_from_db()
    return match
