from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from recognition.engine import ImageRejected
from recognition.models import PhotoJob
from recognition.services.enrollment import encode_pending_photo
from recognition.services.gallery import (
    end_photo_job,
    process_photo,
    purge_expired_cache,
    requeue_stale_jobs,
    start_photo_job,
)
from recognition.services.lookalikes import recompute_lookalikes as recompute_lookalike_pairs

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, max_retries=3, default_retry_delay=5)
def encode_face_photo(photo_id: int) -> str | None:
    """Encode one enrollment photo (idempotent: a photo already processed is left as it is)."""
    photo = encode_pending_photo(photo_id)
    return photo.status if photo else None


#: Failures worth another attempt: the file system, the database or Redis may be back a moment later.
TRANSIENT_ERRORS = (OSError, DatabaseError, RedisError)

#: Longest wait between two attempts of a gallery photo (seconds).
MAX_RETRY_DELAY = 300


@shared_task(bind=True, acks_late=True, max_retries=None)
def process_gallery_photo(self: Task, photo_id: int) -> str | Retry | None:
    """Find the students in one gallery photo. Idempotent: a photo already done is skipped.

    Transient failures (file system, database, Redis) are retried with exponential backoff up to
    GALLERY_MAX_ATTEMPTS attempts, then the job is `dead`; an unusable image ends `error` at once.
    """
    job = start_photo_job(photo_id)
    if job is None:
        return None
    if job.attempts > settings.GALLERY_MAX_ATTEMPTS:
        # The earlier deliveries never finished: their worker process died on this photo (killed, out of memory, a
        # crash in the native detector). acks_late + reject_on_worker_lost would bring the message back forever.
        message = f"worker_lost: the worker died {job.attempts - 1} times processing this photo"
        logger.error("gallery photo %s: %s", photo_id, message)
        end_photo_job(photo_id, PhotoJob.Status.DEAD, message)
        return PhotoJob.Status.DEAD
    try:
        process_photo(job.photo)
    except ImageRejected as rejection:
        end_photo_job(photo_id, PhotoJob.Status.ERROR, f"{rejection.code.value}: {rejection.detail}")
        return PhotoJob.Status.ERROR
    except FileNotFoundError as error:  # the photo's file is gone: retrying will not bring it back
        end_photo_job(photo_id, PhotoJob.Status.ERROR, f"missing_file: {error}")
        return PhotoJob.Status.ERROR
    except TRANSIENT_ERRORS as error:
        message = f"{type(error).__name__}: {error}"
        if job.attempts >= settings.GALLERY_MAX_ATTEMPTS:
            logger.error("gallery photo %s failed %d times, giving up: %s", photo_id, job.attempts, message)
            end_photo_job(photo_id, PhotoJob.Status.DEAD, message)
            return PhotoJob.Status.DEAD
        end_photo_job(photo_id, PhotoJob.Status.PENDING, message)
        # Eagerly run (no broker) with eager propagation on, a raised Retry would reach the caller as an error:
        # returned instead, Celery's apply() runs the retry at once, inline.
        eager = bool(self.request.is_eager)
        return self.retry(exc=error, countdown=min(2**job.attempts, MAX_RETRY_DELAY), throw=not eager)
    return PhotoJob.Status.DONE


@shared_task
def requeue_stale_photo_jobs() -> int:
    """Periodic: queue again the gallery photo jobs a dead worker left `processing`, and drop expired cache."""
    purge_expired_cache()
    return requeue_stale_jobs()


@shared_task(acks_late=True)
def recompute_lookalikes(student_ids: list[int] | None = None) -> int:
    """Bring the look-alike pairs up to date after an enrollment change (only those of `student_ids` when given)."""
    result = recompute_lookalike_pairs(student_ids)
    return result.created + result.updated + result.deleted


@shared_task(acks_late=True)
def cluster_new_faces() -> int:
    """Put the unknown faces not yet grouped into their groups (queued after faces are added; idempotent)."""
    from recognition.services.review_groups import cluster_new_faces as cluster
    from recognition.services.review_groups import clustering_started

    clustering_started()
    return cluster()
