"""The processor sums each minute up (frames, fps, processing time, faces, people, crossings, errors) and writes
one CameraMinute row when the minute ends; a processor restarted within a minute merges into its row; beat
purges the minutes older than MONITOR_HISTORY_DAYS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cameras.models import Camera, CameraMinute
from cameras.services.history import MinuteRecorder, MinuteStats, percentile, record_minute
from cameras.services.processor import CameraProcessor
from cameras.tasks import purge_camera_history
from recognition.engine.video import open_frames
from tests.cameras.conftest import CLIP
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db

MINUTE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def test_the_processor_writes_the_minute_of_the_clip_when_the_next_one_begins() -> None:
    camera = CameraFactory(analytics={"line": {"a": [0.5, 0], "b": [0.5, 1], "in_side": "left"}})
    processor = CameraProcessor(camera.pk)
    processor._configure(Camera.objects.select_related("classroom").get(pk=camera.pk))
    frames = list(open_frames(str(CLIP), realtime=False))
    for index, (timestamp, frame) in enumerate(frames):
        processor._handle_frame(frame, timestamp, MINUTE + dt.timedelta(seconds=index * 50 / len(frames)))
    assert not CameraMinute.objects.exists()  # the minute is still going on

    timestamp, frame = frames[0]
    processor._handle_frame(frame, frames[-1][0] + 1.0, MINUTE + dt.timedelta(seconds=61))

    row = CameraMinute.objects.get(camera=camera)
    assert row.minute == MINUTE
    assert row.frames == len(frames)
    assert row.fps == round(len(frames) / 60, 2)
    assert 0 < row.analysed < row.frames  # the camera samples some of the frames
    assert row.processing_p50 is not None and row.processing_p95 is not None
    assert 0 < row.processing_p50 <= row.processing_p95
    assert row.faces >= row.known + row.unknown > 0  # the clip shows a face most of the time
    assert row.people_max is not None and row.people_max >= 1
    assert row.errors == 0


def test_a_restart_within_the_minute_adds_to_its_row() -> None:
    camera = CameraFactory()
    first = MinuteStats(MINUTE, frames=300, analysed=20, processing=[0.1] * 20, faces=10, people_max=2, errors=1)
    second = MinuteStats(MINUTE, frames=100, analysed=40, processing=[0.3] * 40, faces=5, people_max=3)

    record_minute(camera.pk, first)
    record_minute(camera.pk, second)

    row = CameraMinute.objects.get(camera=camera)
    assert (row.frames, row.analysed, row.faces, row.errors, row.people_max) == (400, 60, 15, 1, 3)
    assert row.processing_p50 == 0.3  # the bigger sample's


def test_fps_counts_only_the_part_of_the_minute_the_processor_ran() -> None:
    recorder = MinuteRecorder(started_at=MINUTE + dt.timedelta(seconds=30))
    for index in range(150):
        recorder.frame(MINUTE + dt.timedelta(seconds=30 + index * 0.2))
    finished = recorder.frame(MINUTE + dt.timedelta(seconds=60))

    assert finished is not None and finished.row_values()["fps"] == 5.0


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile([], 0.5)) == (50.0, 95.0, None)


def test_the_purge_keeps_the_last_days(settings: Any) -> None:
    settings.MONITOR_HISTORY_DAYS = 30
    camera = CameraFactory()
    now = timezone.now().replace(second=0, microsecond=0)
    old = CameraMinute.objects.create(camera=camera, minute=now - dt.timedelta(days=30, minutes=1))
    kept = CameraMinute.objects.create(camera=camera, minute=now - dt.timedelta(days=29, hours=23))

    assert purge_camera_history() == 1

    assert list(CameraMinute.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not CameraMinute.objects.filter(pk=old.pk).exists()
