"""Running the camera pipeline over a recorded video, as fast as the machine allows (`manage.py process_video`)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from attendance.services.sightings import Sighting, record_sighting
from cameras.services.recognition import RosterScope, StudentDirectory, build_pipeline
from recognition.engine.video import open_frames
from school.models import Classroom, Student


@dataclass(frozen=True)
class FileSighting:
    student: Student
    seen_at: dt.datetime
    distance: float
    sighting: Sighting


@dataclass
class VideoResult:
    sightings: list[FileSighting] = field(default_factory=list)
    frames: int = 0
    analysed: int = 0
    media_seconds: float = 0.0
    processing_seconds: float = 0.0


def process_video_file(
    path: Path, classroom: Classroom, *, start: dt.datetime, sample_fps: float, tolerance: float | None = None
) -> VideoResult:
    """Recognise the classroom's students in the file and mark them present through record_sighting.

    A sighting is dated ``start`` + its media time, so a recording can be filed under the lesson it shows. There
    is no camera row: record_sighting then logs every sighting (no per-camera dedup window) and gives new presences
    the source "api". Raises StreamError when the file cannot be read.
    """
    started = time.perf_counter()
    scope = RosterScope(classroom)
    students = StudentDirectory()
    pipeline = build_pipeline(sample_fps=sample_fps, tolerance=tolerance, scope=scope)
    result = VideoResult()
    for timestamp, frame in open_frames(str(path), realtime=False):
        result.frames += 1
        result.media_seconds = timestamp
        if not pipeline.wants(timestamp):
            continue
        report = pipeline.process(frame, timestamp)
        result.analysed += int(report.analysed)
        for identification in report.identifications:
            student = students.get(identification.student_id)
            if student is None or identification.student_id not in scope():
                continue
            seen_at = start + dt.timedelta(seconds=identification.timestamp)
            sighting = record_sighting(
                student=student,
                classroom=classroom,
                seen_at=seen_at,
                distance=identification.distance,
                crop_jpeg=identification.crop_jpeg,
            )
            result.sightings.append(FileSighting(student, seen_at, identification.distance, sighting))
    result.processing_seconds = time.perf_counter() - started
    return result
