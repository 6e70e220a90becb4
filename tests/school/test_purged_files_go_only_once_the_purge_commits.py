"""The purge deletes files only after its transaction commits: one that rolls back keeps rows and files."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from attendance.models import AttendanceLog
from monitoring.models import Alert
from school.services.retention import purge_expired
from tests.markers import committing_db
from tests.school.retention_support import alert, on_disk, sighting

pytestmark = committing_db


def test_a_purge_that_rolls_back_keeps_the_rows_and_their_files(settings: Any) -> None:
    log, snapshot = sighting(200), alert(200)
    crop, image = log.crop.name, snapshot.snapshot.name

    with pytest.raises(RuntimeError), transaction.atomic():
        purge_expired()
        assert AttendanceLog.objects.get(pk=log.pk).crop.name == ""  # the rows changed...
        assert on_disk(crop) and on_disk(image)  # ...the files wait for the commit
        raise RuntimeError("something later in the same transaction failed")

    assert AttendanceLog.objects.get(pk=log.pk).crop.name == crop and on_disk(crop)
    assert Alert.objects.get(pk=snapshot.pk).snapshot.name == image and on_disk(image)


def test_a_file_already_gone_does_not_stop_the_purge(settings: Any) -> None:
    first, second = sighting(200), sighting(200)
    first.crop.storage.delete(first.crop.name)

    report = purge_expired()

    assert AttendanceLog.objects.exclude(crop="").count() == 0
    assert not on_disk(second.crop.name)
    assert report["evidence_crops"].rows == 2
