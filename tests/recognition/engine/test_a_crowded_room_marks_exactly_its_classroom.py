"""A crowded classroom (12 real people of 45-70 px in one 640x480 frame, some enrolled in another classroom, some
nowhere, look-alikes among them): the camera pipeline marks exactly the classroom's enrolled people."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceDetector, FramePipeline, Matcher, PipelineConfig
from recognition.engine.fast_encoder import FastEncoder
from tests.support.crowd import crowd_clip


def test_the_pipeline_marks_every_present_student_of_the_classroom_and_nobody_from_elsewhere() -> None:
    clip = crowd_clip(seconds=6.0, fps=4.0)
    detector = FaceDetector(encoder=FastEncoder())
    ids: list[int] = []
    rows: list[NDArray[np.float32]] = []
    for student_id, person in enumerate(clip.people, start=1):
        if person.classroom is None:
            continue  # not enrolled anywhere
        for photo in person.enrol_photos:
            _boxes, encodings = detector.detect_and_encode(photo, max_faces=1)
            ids.extend([student_id] * len(encodings))
            rows.extend(encodings)
    classroom_a = frozenset(i for i, person in enumerate(clip.people, start=1) if person.classroom == "A")
    pipeline = FramePipeline(detector, lambda: Matcher(ids, np.vstack(rows)), PipelineConfig(), lambda: classroom_a)

    marked = {
        found.student_id
        for timestamp, frame in clip.frames
        for found in pipeline.process(frame, timestamp).identifications
    }

    assert len(classroom_a) == 5 and len(clip.people) == 12
    assert marked == classroom_a
