"""Gallery jobs on a real Celery worker (in a thread of this process) consuming the `photos` queue on Redis, with
PostgreSQL: what test_photo_jobs.py checks with eager tasks, here through a broker, acks and countdown retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from recognition.engine import FaceDetector
from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob, ProcessingCache
from school.celery import app as project_app
from school.models import Student
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.celery_worker import clear_photos_queue, redis_celery_app, redis_db_url
from tests.support.images import truncated_jpeg
from tests.support.waiting import wait_until

# PostgreSQL and Redis are checked first: skipped (failed under CI=true) before the enrollment fixtures run.
pytestmark = [committing_db, pytest.mark.usefixtures("postgres", "redis_url")]

FINISHED = {PhotoJob.Status.DONE, PhotoJob.Status.ERROR, PhotoJob.Status.DEAD}
EXPECTED = {
    "obama2.jpg": {"Obama"},
    "two_people.jpg": {"Obama", "Biden"},
    "biden.jpg": {"Biden"},
    "lin-manuel-miranda.png": {"Lin"},
}
CORRUPT = "obama_small.jpg"


@pytest.fixture
def photos_app(postgres: None, redis_url: str) -> Iterator[Celery]:
    """The project's Celery configuration on a real Redis broker; the worker thread shares this test's database."""
    broker = redis_db_url(redis_url)
    clear_photos_queue(broker)  # a message left by an interrupted run would process a photo of another database
    yield redis_celery_app(broker)
    project_app.set_current()  # start_worker made the test app the current one
    project_app.set_default()
    clear_photos_queue(broker)


def photos_worker(app: Celery) -> AbstractContextManager[Any]:
    """A solo worker of the `photos` queue in a thread of this process; tasks sent meanwhile go to Redis."""
    return start_worker(app, pool="solo", queues=["photos"], perform_ping_check=False, shutdown_timeout=30)


def process_all(client: APIClient, gallery: Gallery) -> None:
    response: Any = client.post(f"/api/galleries/{gallery.pk}/process-all-faces")
    assert response.status_code == 202, response.content


def wait_for_jobs(gallery: Gallery, timeout: float = 40) -> dict[int, PhotoJob]:
    """Every job of the gallery once none is pending or processing any more, by photo id."""

    def finished() -> dict[int, PhotoJob] | None:
        jobs = {job.photo_id: job for job in PhotoJob.objects.filter(photo__gallery=gallery)}
        return jobs if jobs and all(job.status in FINISHED for job in jobs.values()) else None

    return wait_until(
        finished,
        timeout,
        lambda: (
            "jobs not finished: "
            + repr(list(PhotoJob.objects.filter(photo__gallery=gallery).values_list("photo_id", "status", "attempts")))
        ),
    )


def students_in(photo: GalleryPhoto) -> set[str]:
    return set(FaceMatch.objects.filter(photo_face__photo=photo).values_list("student__full_name", flat=True))


def faces_of(gallery: Gallery) -> set[tuple[Any, ...]]:
    """The faces found and their matches, by content (a reprocessing writes new rows for the same faces)."""
    faces = PhotoFace.objects.filter(photo__gallery=gallery)
    found = {
        (face.photo_id, face.index, face.box_top, face.box_right, face.box_bottom, face.box_left, bytes(face.encoding))
        for face in faces
    }
    matched = set(
        FaceMatch.objects.filter(photo_face__photo__gallery=gallery).values_list(
            "photo_face__photo_id", "photo_face__index", "student_id", "distance"
        )
    )
    return found | matched


def test_a_photos_worker_finds_the_students_of_every_photo_and_a_second_run_is_served_from_the_cache(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery, photos_app: Celery
) -> None:
    photos = add_photos(gallery, *EXPECTED, CORRUPT)
    corrupt = photos[CORRUPT]
    with default_storage.open(str(corrupt.image.name), "wb") as stored:  # damaged on disk after the upload
        stored.write(truncated_jpeg(CORRUPT, keep=0.05))

    with photos_worker(photos_app):
        process_all(secretary_api, gallery)
        first = wait_for_jobs(gallery)

    assert {name: students_in(photos[name]) for name in EXPECTED} == EXPECTED
    assert {name: first[photos[name].pk].status for name in EXPECTED} == dict.fromkeys(EXPECTED, PhotoJob.Status.DONE)
    assert first[corrupt.pk].status == PhotoJob.Status.ERROR
    assert first[corrupt.pk].last_error.startswith("not_an_image:") and first[corrupt.pk].attempts == 1
    assert not corrupt.faces.exists()
    cache_keys = set(ProcessingCache.objects.values_list("key", flat=True))
    assert len(cache_keys) == len(EXPECTED)
    results = faces_of(gallery)

    # A second run with unchanged settings: the finished jobs set back to pending (queue_gallery leaves done jobs
    # alone) and the gallery processed again. Detection must not run: every result comes from ProcessingCache.
    PhotoJob.objects.filter(photo__gallery=gallery).update(status=PhotoJob.Status.PENDING, attempts=0)
    real_detect = FaceDetector.detect
    detections: list[Any] = []

    def counting_detect(self: FaceDetector, *args: Any, **kwargs: Any) -> Any:
        detections.append(args)
        return real_detect(self, *args, **kwargs)

    with (
        mock.patch.object(FaceDetector, "detect", counting_detect),
        photos_worker(photos_app),
    ):
        process_all(secretary_api, gallery)
        second = wait_for_jobs(gallery)

    assert detections == []
    assert set(ProcessingCache.objects.values_list("key", flat=True)) == cache_keys
    assert {name: second[photos[name].pk].status for name in EXPECTED} == dict.fromkeys(EXPECTED, PhotoJob.Status.DONE)
    assert {second[photos[name].pk].settings_used["cache_key"] for name in EXPECTED} == cache_keys
    assert faces_of(gallery) == results
    assert second[corrupt.pk].status == PhotoJob.Status.ERROR and second[corrupt.pk].last_error.startswith(
        "not_an_image:"
    )


def test_a_transient_failure_on_the_worker_is_retried_after_a_pause_and_then_succeeds(
    secretary_api: APIClient, enrolled: dict[str, Student], gallery: Gallery, photos_app: Celery
) -> None:
    from recognition.services.gallery import process_photo

    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    calls: list[int] = []

    def flaky(photo: GalleryPhoto, **kwargs: Any) -> Any:  # the worker thread calls it: same module, same patch
        calls.append(photo.pk)
        if len(calls) <= 2:
            raise OSError("storage unavailable")
        return process_photo(photo, **kwargs)

    with mock.patch("recognition.tasks.process_photo", side_effect=flaky), photos_worker(photos_app):
        process_all(secretary_api, gallery)
        job = wait_for_jobs(gallery)[photo.pk]

    assert calls == [photo.pk] * 3  # two failures, each followed by a retry with a countdown (2 s, then 4 s)
    assert job.status == PhotoJob.Status.DONE and job.attempts == 3
    assert job.last_error == ""
    assert students_in(photo) == {"Obama"}


def test_a_photo_that_always_fails_on_the_worker_ends_dead_with_its_error(
    secretary_api: APIClient, gallery: Gallery, photos_app: Celery, settings: Any
) -> None:
    settings.GALLERY_MAX_ATTEMPTS = 3  # the retries wait 2 s, then 4 s
    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]

    failing = mock.patch("recognition.tasks.process_photo", side_effect=OSError("storage unavailable"))
    with failing as process_photo, photos_worker(photos_app):
        process_all(secretary_api, gallery)
        job = wait_for_jobs(gallery)[photo.pk]

    assert process_photo.call_count == 3
    assert job.status == PhotoJob.Status.DEAD and job.attempts == 3
    assert job.last_error == "OSError: storage unavailable"
    assert not photo.faces.exists()
