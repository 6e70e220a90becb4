"""A track that stayed unknown (reported as such, never identified) hands over, when it ends, the best view it had
of the face: the largest sharp crop and that view's encoding. A recognised face hands over nothing."""

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


def pipeline_knowing_lin(fixture_faces: FacesGetter) -> FramePipeline:
    matcher = Matcher([LIN], np.vstack([fixture_faces("lin-manuel-miranda.png")[0][1]]))
    return FramePipeline(FaceDetector(upsample=0), lambda: matcher, PipelineConfig(min_faces=2))


def blank_like(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.full_like(image, 127)


def test_a_strangers_track_ends_with_its_largest_view_and_its_encoding(
    fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    pipeline = pipeline_knowing_lin(fixture_faces)
    stranger = fixture_image("obama.jpg")
    height, width = stranger.shape[:2]
    smaller = cv2.resize(stranger, (width * 3 // 4, height * 3 // 4))
    frames = [smaller, smaller, stranger, smaller, smaller, smaller]  # the face is largest at second 2
    frames = [np.pad(frame, ((0, height - frame.shape[0]), (0, width - frame.shape[1]), (0, 0))) for frame in frames]

    reports = [pipeline.process(frame, float(second)) for second, frame in enumerate(frames)]
    assert [unknown.track_id for report in reports for unknown in report.unknowns]  # reported unknown once
    (live,) = pipeline.unknown_tracks()  # still in view: known to be unknown, not ended
    ended = pipeline.process(blank_like(stranger), 10.0).ended_unknown

    (track,) = ended
    assert track.track_id == live.track_id == reports[0].faces[0].track_id
    assert track.view.timestamp == 2.0  # the largest view
    (_box, expected_encoding), *_ = fixture_faces("obama.jpg")
    assert np.linalg.norm(track.view.encoding - expected_encoding) < 0.1
    crop = cv2.imdecode(np.frombuffer(track.view.crop_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and max(crop.shape[:2]) <= 160
    assert track.view.quality > 0


def test_a_recognised_students_track_ends_with_nothing_to_review(
    fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    pipeline = pipeline_knowing_lin(fixture_faces)
    lin = fixture_image("lin-manuel-miranda.png")

    reports = [pipeline.process(lin, float(second)) for second in range(6)]
    ended = pipeline.process(blank_like(lin), 10.0)

    assert [found.student_id for report in reports for found in report.identifications] == [LIN]
    assert pipeline.unknown_tracks() == [] and ended.ended and ended.ended_unknown == []


def test_a_track_too_short_to_be_reported_unknown_ends_with_nothing_to_review(
    fixture_image: ImageGetter, fixture_faces: FacesGetter
) -> None:
    pipeline = pipeline_knowing_lin(fixture_faces)
    stranger = fixture_image("obama.jpg")

    pipeline.process(stranger, 0.0)  # one recognition: the decision window (4) is far from full
    ended = pipeline.process(blank_like(stranger), 10.0)

    assert ended.ended and ended.ended_unknown == []
