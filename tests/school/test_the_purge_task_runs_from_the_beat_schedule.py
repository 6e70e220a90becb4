"""Beat's "purge-expired-data" entry names a task the worker registers (autodiscovered in school/tasks.py), and
running it purges."""

from __future__ import annotations

from typing import Any

from attendance.models import AttendanceLog
from school.celery import app
from tests.markers import committing_db
from tests.school.retention_support import on_disk, sighting

pytestmark = committing_db


def test_the_beat_entry_names_a_registered_task_that_purges(settings: Any) -> None:
    settings.EVIDENCE_RETENTION_DAYS = 90
    expired, fresh = sighting(91), sighting(89)
    crop = expired.crop.name
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery imports each app's tasks.py
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] in app.tasks
    task = app.tasks[entry["task"]]
    assert task.acks_late

    result = task.apply()

    assert result.successful() and result.result == 1
    assert AttendanceLog.objects.get(pk=expired.pk).crop.name == "" and not on_disk(crop)
    assert on_disk(AttendanceLog.objects.get(pk=fresh.pk).crop.name)
