"""A teacher's "was not here" answers without loading the face models (dlib, onnxruntime and the networks take
seconds and hundreds of MB): the request queues the task that encodes the sighting's face for a worker, and runs
nothing of it. Checked in a fresh web process with a broker (REDIS_URL set, as deployed), whose loaded modules tell.
Embedded (no broker) the task runs in-process by design (CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from attendance.models import PresenceChange
from attendance.tasks import record_not_here
from recognition.models import NegativeExample
from school.models import Lesson, Student
from tests.attendance.not_here import kiosk_marks_with_bidens_face
from tests.factories import TeacherFactory
from tests.services import in_ci
from tests.support.celery_worker import database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("dlib", "face_recognition", "face_recognition_models", "onnxruntime", "retinaface")
QUEUE = "celery"  # the default queue: the task has no route of its own
TASK = record_not_here.name

#: The web process: the live page's PUT of a teacher, then which face model modules it holds.
PROBE = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import User
from rest_framework.test import APIClient
client = APIClient()
client.force_authenticate(User.objects.get(pk=int(sys.argv[1])))
response = client.put(sys.argv[2], {"status": "absent"}, format="json")
loaded = sorted(name for name in json.loads(sys.argv[3]) if name in sys.modules)
print(json.dumps({"status": response.status_code, "loaded": loaded}))
"""


def queued_tasks(client: redis.Redis) -> list[tuple[bytes, Any]]:
    """The raw messages of this task in the broker's queue, with their arguments."""
    found = []
    for raw in client.lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") == TASK:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append((raw, args))
    return found


@pytest.fixture
def broker(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)

    def drop_ours() -> None:
        for raw, _args in queued_tasks(client):
            client.lrem(QUEUE, 0, raw)

    drop_ours()  # what an interrupted run left
    yield client
    drop_ours()
    client.close()


def test_the_request_queues_the_encoding_for_a_worker_and_loads_no_face_model(
    lesson: Lesson, student: Student, broker: redis.Redis, redis_url: str, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        if in_ci():
            pytest.fail("CI=true: the web process reads the test database, which needs PostgreSQL (DATABASE_URL)")
        pytest.skip("the web process reads the test database: run with DATABASE_URL=postgres://...")
    kiosk_marks_with_bidens_face(lesson, student)
    teacher = TeacherFactory(classrooms=[lesson.classroom])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "testserver",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the sighting's crop: what the task would encode
    }

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(teacher.pk),
            f"/api/lessons/{lesson.pk}/presences/{student.pk}",
            json.dumps(HEAVY),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"status": 200, "loaded": []}
    change = PresenceChange.objects.get()
    assert [args for _raw, args in queued_tasks(broker)] == [[change.pk]]
    assert not NegativeExample.objects.exists()  # nothing of the task ran in the request
