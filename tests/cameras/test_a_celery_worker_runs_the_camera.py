from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker

from attendance.models import Presence, PresenceSource
from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from cameras.services.lease import lease_holder, lease_key, queued_key
from cameras.tasks import run_camera
from school.celery import app as project_app
from tests.cameras.conftest import School
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


@pytest.fixture
def redis_app(redis_url: str, settings: Any) -> Iterator[Celery]:
    """The project's Celery configuration on a real Redis broker (database 14), workers not eager."""
    broker = urlunsplit(urlsplit(redis_url)._replace(path="/14"))
    settings.REDIS_URL = redis_url  # leases and live frames on Redis too, as in production
    app = Celery("chamada-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker, task_always_eager=False, worker_hijack_root_logger=False)
    client = redis.Redis.from_url(broker)
    client.delete("streams")  # a message left by an interrupted run would start a camera of another database
    client.close()
    yield app
    project_app.set_current()
    project_app.set_default()


def test_run_camera_on_a_streams_worker_marks_the_student_present(
    school: School, fake_camera: MjpegServer, redis_app: Celery, redis_url: str, quick_processor: None
) -> None:
    camera = CameraFactory(classroom=school.classroom, stream_url=fake_camera.url)
    client = redis.Redis.from_url(redis_url)
    client.delete(lease_key(camera.pk), queued_key(camera.pk))  # left by an interrupted run on the same ids
    client.close()

    with start_worker(redis_app, pool="solo", queues=["streams"], perform_ping_check=False, shutdown_timeout=20):
        run_camera.delay(camera.pk, max_seconds=60, renew=False)  # routed to "streams" by the settings

        presence = wait_until(lambda: Presence.objects.filter(student=school.student).first(), 45, "not marked")
        holder = lease_holder(camera.pk)
        Camera.objects.filter(pk=camera.pk).update(enabled=False)  # ends the task, so the worker can stop
        wait_until(lambda: lease_holder(camera.pk) is None, 15, "the task did not end")

    assert presence.source == PresenceSource.CAMERA and presence.lesson_id == school.lesson.pk
    assert holder is not None and holder.split(":")[1].isdigit()  # host:pid:thread:nonce, held on Redis
