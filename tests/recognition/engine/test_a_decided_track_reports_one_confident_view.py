"""A decided track reports its first confident view once: a recognition whose own match puts the track's student
first within ``confident_distance``, at least ``confident_margin`` ahead of the next student (what a fresh
enrollment photo proposal needs), later than the decision or before it (kept until then). A view of someone else,
or too close to the next student, is none; the decisions are the same with or without it, and it is off by
default.

The frames show Lin-Manuel Miranda's face from the Hamilton clip, framed alone at one place, as a camera sees a face
come closer: his views at ~3 s and ~4 s in the clip are poor (0.48 and 0.50 from his portrait), the one at ~5 s good
(0.32)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import FaceDetector, FramePipeline, FrameReport, Matcher, PipelineConfig, open_frames
from tests.recognition.engine.conftest import Face
from tests.support.images import fixture_path

ImageGetter = Callable[[str], NDArray[np.uint8]]
FacesGetter = Callable[[str], list[Face]]
Frame = NDArray[np.uint8]

LIN, OBAMA, BIDEN, ALEX = 1, 2, 3, 4
PORTRAIT_OF = {LIN: "lin-manuel-miranda.png", OBAMA: "obama.jpg", BIDEN: "biden.jpg", ALEX: "alex-lacamoire.png"}
CONFIDENT = {"confident_distance": 0.4, "confident_margin": 0.15}  # the cameras' defaults (FRESH_PHOTO_*)
# Every frame encoded, still or not: each frame below is one recognition of the face.
EVERY_FRAME = {"min_faces": 2, "recheck_s": 0.0, "motion_threshold": 0.0}


@pytest.fixture(scope="module")
def lin_in_the_clip() -> dict[float, Frame]:
    """The clip's frames at ~3 s, ~4 s and ~5 s, by the second."""
    frames = list(open_frames(str(fixture_path("short_hamilton_clip.mp4")), realtime=False))
    wanted = {3.0: 3.04, 4.0: 4.0, 5.0: 5.01}
    return {second: min(frames, key=lambda item: abs(item[0] - near))[1] for second, near in wanted.items()}


@pytest.fixture
def framed(detector: FaceDetector) -> Callable[[Frame], Frame]:
    """The largest face of a picture, with some of its surroundings, at one place of a 640x360 grey frame."""

    def frame(picture: Frame) -> Frame:
        box = detector.detect(picture)[0].grown(0.5).clipped(*picture.shape[:2])
        face = cv2.resize(picture[box.top : box.bottom, box.left : box.right], (260, 260), interpolation=cv2.INTER_AREA)
        canvas = np.full((360, 640, 3), 90, np.uint8)
        canvas[50:310, 190:450] = face
        return canvas

    return frame


@pytest.fixture
def four_portraits(fixture_faces: FacesGetter) -> Matcher:
    ids = list(PORTRAIT_OF)
    return Matcher(ids, np.vstack([fixture_faces(PORTRAIT_OF[student])[0][1] for student in ids]))


def run(matcher: Matcher, frames: list[Frame], **config: float) -> list[FrameReport]:
    pipeline = FramePipeline(FaceDetector(upsample=0), lambda: matcher, PipelineConfig(**config))
    return [pipeline.process(frame, float(second)) for second, frame in enumerate(frames)]


def test_a_track_decided_at_a_poor_mean_reports_its_later_confident_view_once(
    lin_in_the_clip: dict[float, Frame], framed: Callable[[Frame], Frame], four_portraits: Matcher
) -> None:
    poor = [framed(lin_in_the_clip[3.0]), framed(lin_in_the_clip[4.0])]
    good = framed(lin_in_the_clip[5.0])

    reports = run(four_portraits, [*poor, good, good, poor[1], good], **EVERY_FRAME, **CONFIDENT)

    assert len({face.track_id for report in reports for face in report.faces}) == 1  # one face followed
    (decided,) = reports[1].identifications  # decided on the second, poor view, at a poor mean
    assert decided.student_id == LIN and 0.4 < decided.distance <= 0.5
    assert [len(report.confident_views) for report in reports] == [0, 0, 1, 0, 0, 0]  # the first good view only
    (view,) = reports[2].confident_views
    assert (view.track_id, view.student_id, view.timestamp) == (decided.track_id, LIN, 2.0)
    assert view.distance == pytest.approx(0.32, abs=0.02)  # the view's own distance, not the track's mean
    assert view.margin >= 0.15 and view.encoding is not None and view.encoding.shape == (128,)
    crop = cv2.imdecode(np.frombuffer(view.crop_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and max(crop.shape[:2]) <= 160
    assert all(face.student_id == LIN for report in reports[1:] for face in report.faces)


def test_a_confident_view_from_before_the_decision_is_reported_when_the_track_is_decided(
    lin_in_the_clip: dict[float, Frame], framed: Callable[[Frame], Frame], four_portraits: Matcher
) -> None:
    good, poor = framed(lin_in_the_clip[5.0]), framed(lin_in_the_clip[3.0])

    reports = run(four_portraits, [good, poor, good], **EVERY_FRAME, **CONFIDENT)

    assert not reports[0].identifications and not reports[0].confident_views  # one recognition decides nothing
    (decided,) = reports[1].identifications
    (view,) = reports[1].confident_views
    assert (view.track_id, view.student_id) == (decided.track_id, LIN)
    assert view.timestamp == 0.0 and view.distance == pytest.approx(0.32, abs=0.02)  # the first frame's view
    assert not reports[2].confident_views


def test_a_view_whose_best_candidate_is_another_student_is_no_confident_view(
    lin_in_the_clip: dict[float, Frame],
    framed: Callable[[Frame], Frame],
    fixture_image: ImageGetter,
    four_portraits: Matcher,
) -> None:
    poor = [framed(lin_in_the_clip[3.0]), framed(lin_in_the_clip[4.0])]
    # Another face where Lin's was (two people crossing): a close match, of Alex Lacamoire.
    alex = framed(fixture_image("alex-lacamoire.png"))

    reports = run(four_portraits, [*poor, alex], **EVERY_FRAME, **CONFIDENT)

    assert [found.student_id for found in reports[1].identifications] == [LIN]
    assert reports[2].faces[0].track_id == reports[1].faces[0].track_id  # the same track, still Lin's
    assert reports[2].faces[0].student_id == LIN
    assert not any(report.confident_views for report in reports)


def test_a_view_too_little_ahead_of_the_next_student_is_no_confident_view(
    lin_in_the_clip: dict[float, Frame], framed: Callable[[Frame], Frame], four_portraits: Matcher
) -> None:
    frames = [framed(lin_in_the_clip[second]) for second in (3.0, 4.0, 5.0)]

    # The good view is ~0.41 ahead of Alex Lacamoire, the next student.
    ahead = run(four_portraits, frames, **EVERY_FRAME, confident_distance=0.4, confident_margin=0.35)
    behind = run(four_portraits, frames, **EVERY_FRAME, confident_distance=0.4, confident_margin=0.45)

    assert [len(report.confident_views) for report in ahead] == [0, 0, 1]
    assert not any(report.confident_views for report in behind)


def test_confident_views_are_off_by_default_and_change_no_decision(
    lin_in_the_clip: dict[float, Frame], framed: Callable[[Frame], Frame], four_portraits: Matcher
) -> None:
    frames = [framed(lin_in_the_clip[second]) for second in (3.0, 4.0, 5.0, 5.0)]

    off = run(four_portraits, frames, **EVERY_FRAME)
    on = run(four_portraits, frames, **EVERY_FRAME, **CONFIDENT)

    assert not any(report.confident_views for report in off)
    assert any(report.confident_views for report in on)
    assert [report.faces for report in off] == [report.faces for report in on]
    decisions = [[(found.student_id, found.distance) for found in report.identifications] for report in off]
    assert decisions == [[(found.student_id, found.distance) for found in report.identifications] for report in on]
    assert decisions[1] and decisions[1][0][0] == LIN


def test_the_clips_deciding_view_is_itself_confident(detector: FaceDetector, four_portraits: Matcher) -> None:
    """In the clip as a camera sees it (2 frames/s), Lin is decided on his good view: reported at once, with the
    view's own distance, though the decision's mean is beyond it."""
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig(**CONFIDENT))

    reports = [
        pipeline.process(frame, timestamp)
        for timestamp, frame in open_frames(str(fixture_path("short_hamilton_clip.mp4")), realtime=False)
    ]

    (decided,) = [found for report in reports for found in report.identifications]
    (view,) = [view for report in reports for view in report.confident_views]
    assert (view.track_id, view.student_id, view.timestamp) == (decided.track_id, LIN, decided.timestamp)
    assert view.distance <= 0.4 < decided.distance
