"""A `celery -A school worker -Q photos` subprocess killed (SIGKILL) in the middle of a photo, on Redis and
PostgreSQL: the photo's job still ends `done`, with its faces and matches written exactly once.

The worker is stopped at a known point of its work: this test holds an EXCLUSIVE lock on the FaceMatch table, so
the worker blocks while it writes the photo's results (its faces inserted, not committed) and is killed there.

Two ways a worker dies, two recoveries:
- a pool child is killed (the kernel's OOM killer): the worker's main process sees the child lost and, with
  acks_late and task_reject_on_worker_lost, puts the message back on the queue at once; a new child runs it;
- the whole worker is killed (its machine or container): its unacked message stays invisible in Redis until the
  broker's visibility timeout (an hour by default), so the job stays `processing` until beat's
  requeue_stale_photo_jobs finds it older than STALE_AFTER and queues it again. When the old message does come
  back, the job is done and it does nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from celery import Celery
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob
from recognition.services.gallery import STALE_AFTER
from recognition.tasks import requeue_stale_photo_jobs
from school.models import Student
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.celery_worker import (
    WorkerProcess,
    as_current_app,
    clear_photos_queue,
    database_url,
    redis_celery_app,
    redis_db_url,
    start_worker_process,
)
from tests.support.waiting import wait_until

# PostgreSQL and Redis are checked first: skipped (failed under CI=true) before the enrollment fixtures run.
pytestmark = [committing_db, pytest.mark.usefixtures("postgres", "redis_url")]

StartWorker = Callable[[str], WorkerProcess]


@pytest.fixture
def broker(postgres: None, redis_url: str) -> Iterator[str]:
    url = redis_db_url(redis_url)
    clear_photos_queue(url)  # a message left by an interrupted run would process a photo of another database
    yield url
    clear_photos_queue(url)


@pytest.fixture
def photos_app(broker: str) -> Celery:
    return redis_celery_app(broker)


@pytest.fixture
def broker_redis(broker: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(broker)
    yield client


@pytest.fixture
def start_worker(broker: str, settings: Any, tmp_path: Path) -> Iterator[StartWorker]:
    """Start `celery -A school worker -Q photos --pool prefork --concurrency 1` on this test's database, Redis
    database and media folder; every worker started is stopped (or killed) at the end."""
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),  # the test database, where this test commits
        "REDIS_URL": broker,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(tmp_path / "var"),
        "CHAMADA_EMBEDDED_CAMERAS": "0",
        "ALLOWED_HOSTS": "localhost",
        "DJANGO_SETTINGS_MODULE": "school.settings",
    }
    started: list[WorkerProcess] = []

    def start(name: str) -> WorkerProcess:
        worker = start_worker_process(env, tmp_path / f"{name}.log", name=f"{name}-{os.getpid()}", concurrency=1)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def job_of(photo: GalleryPhoto) -> PhotoJob:
    return PhotoJob.objects.get(photo=photo)


def blocked_by_this_connection() -> int:
    """How many database sessions wait for a lock this test's connection holds."""
    with connection.cursor() as cursor:
        # pg_locks, not pg_stat_activity: statistics views are a snapshot taken once per transaction.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return int(cursor.fetchone()[0])


def kill_while_writing_results(photo: GalleryPhoto, worker: WorkerProcess, kill: Callable[[], None]) -> None:
    """Let the worker process `photo` up to the writing of its matches, and `kill` it there."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {FaceMatch._meta.db_table} IN EXCLUSIVE MODE")  # reads pass, writes wait
        wait_until(
            lambda: blocked_by_this_connection() > 0,
            40,
            lambda: f"the worker never reached the writing of the matches:\n{worker.log_tail()}",
        )
        assert job_of(photo).status == PhotoJob.Status.PROCESSING
        kill()
    # The killed worker's uncommitted faces went with its connection; the lock is released on leaving the block.


def wait_for_done(photo: GalleryPhoto, worker: WorkerProcess) -> PhotoJob:
    return wait_until(
        lambda: job if (job := job_of(photo)).status == PhotoJob.Status.DONE else None,
        40,
        lambda: f"the job is {job_of(photo).status}:\n{worker.log_tail()}",
    )


def assert_results_written_once(photo: GalleryPhoto) -> None:
    faces = list(PhotoFace.objects.filter(photo=photo).order_by("index"))
    assert [face.index for face in faces] == [0, 1]
    matches = list(FaceMatch.objects.filter(photo_face__photo=photo).values_list("photo_face_id", "student__full_name"))
    assert sorted(name for _face, name in matches) == ["Biden", "Obama"]
    assert {face for face, _name in matches} == {face.pk for face in faces}  # one student per face


def test_a_photos_worker_whose_pool_child_is_killed_mid_photo_finishes_the_job_without_duplicates(
    secretary_api: APIClient,
    enrolled: dict[str, Student],
    gallery: Gallery,
    photos_app: Celery,
    start_worker: StartWorker,
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    worker = start_worker("photos-a")
    killed: list[int] = []

    def kill_the_pool_child() -> None:
        [child] = worker.pool_children()  # --concurrency 1: the child running the task
        os.kill(child, signal.SIGKILL)
        killed.append(child)

    with as_current_app(photos_app):  # the API queues the job on Redis when its transaction commits
        response: Any = secretary_api.post(f"/api/galleries/{gallery.pk}/process-all-faces")
    assert response.json()["queued"] == 1
    kill_while_writing_results(photo, worker, kill_the_pool_child)

    job = wait_for_done(photo, worker)

    assert worker.process.poll() is None and killed[0] not in worker.pool_children()  # a new child
    assert job.attempts == 2 and job.last_error == ""
    assert_results_written_once(photo)


def test_a_killed_photos_worker_s_job_is_queued_again_by_beat_and_completes_once_on_a_new_worker(
    secretary_api: APIClient,
    enrolled: dict[str, Student],
    gallery: Gallery,
    photos_app: Celery,
    start_worker: StartWorker,
    broker_redis: redis.Redis,
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    first = start_worker("photos-b1")
    with as_current_app(photos_app):
        secretary_api.post(f"/api/galleries/{gallery.pk}/process-all-faces")
    kill_while_writing_results(photo, first, first.kill)
    killed_at = time.time()
    # The killed worker's message, invisible to other workers until the broker's visibility timeout.
    [unacked] = cast(list[bytes], broker_redis.hvals("unacked"))
    old_task_id = json.loads(unacked)[0]["headers"]["id"]

    second = start_worker("photos-b2")

    assert job_of(photo).status == PhotoJob.Status.PROCESSING and job_of(photo).attempts == 1
    assert broker_redis.hlen("unacked") == 1 and broker_redis.llen("photos") == 0  # not delivered again (yet)
    assert not PhotoFace.objects.filter(photo=photo).exists()  # nothing of the killed attempt was committed

    # STALE_AFTER later, beat's periodic task finds the job still `processing` and queues it again.
    PhotoJob.objects.filter(photo=photo).update(updated_at=timezone.now() - STALE_AFTER - timedelta(minutes=1))
    with as_current_app(photos_app):
        assert requeue_stale_photo_jobs() == 1
    job = wait_for_done(photo, second)
    assert job.attempts == 2 and job.last_error == ""
    assert_results_written_once(photo)
    faces = set(PhotoFace.objects.filter(photo=photo).values_list("pk", flat=True))

    # An hour later Redis's visibility timeout gives the killed worker's message back (as kombu does, here only
    # for messages delivered before the kill): it finds the job done and changes nothing.
    with photos_app.connection(transport_options={"visibility_timeout": time.time() - killed_at}) as broker_connection:
        broker_connection.default_channel.qos.restore_visible(num=100, interval=1)
    wait_until(
        lambda: f"[{old_task_id}] succeeded" in second.log_tail(size=100_000) and broker_redis.hlen("unacked") == 0,
        30,
        lambda: f"the old message was not run and acked:\n{second.log_tail()}",
    )

    assert job_of(photo).status == PhotoJob.Status.DONE and job_of(photo).attempts == 2
    assert set(PhotoFace.objects.filter(photo=photo).values_list("pk", flat=True)) == faces
    assert_results_written_once(photo)
