"""A track nobody can name after a whole decision window is reported once as unknown, with its crop; a face that
gets identified is never reported as unknown."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceDetector, FramePipeline, Matcher, PipelineConfig
from tests.recognition.engine.conftest import Face

ImageGetter = Callable[[str], NDArray[np.uint8]]
FacesGetter = Callable[[str], list[Face]]
LIN = 1


def only_lin(fixture_faces: FacesGetter) -> Matcher:
    return Matcher([LIN], np.vstack([fixture_faces("lin-manuel-miranda.png")[0][1]]))


def test_a_stranger_is_reported_once_after_a_whole_window_of_recognitions(
    fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    matcher = only_lin(fixture_faces)
    config = PipelineConfig(min_faces=2)  # a decision window of 4 recognitions
    pipeline = FramePipeline(FaceDetector(upsample=0), lambda: matcher, config)
    stranger = fixture_image("obama.jpg")

    reports = [pipeline.process(stranger, float(second)) for second in range(8)]  # encoded once a second

    unknowns = [unknown for report in reports for unknown in report.unknowns]
    assert [report.timestamp for report in reports if report.unknowns] == [3.0]  # the 4th recognition
    (unknown,) = unknowns
    assert unknown.track_id == reports[0].faces[0].track_id
    assert unknown.best_distance is None or unknown.best_distance > config.tolerance
    crop = cv2.imdecode(np.frombuffer(unknown.crop_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and max(crop.shape[:2]) <= 160


def test_a_face_that_is_identified_is_never_reported_unknown(
    fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    matcher = only_lin(fixture_faces)
    pipeline = FramePipeline(FaceDetector(upsample=0), lambda: matcher, PipelineConfig(min_faces=2))
    lin = fixture_image("lin-manuel-miranda.png")

    reports = [pipeline.process(lin, float(second)) for second in range(8)]

    assert [found.student_id for report in reports for found in report.identifications] == [LIN]
    assert not any(report.unknowns for report in reports)
