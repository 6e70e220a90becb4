"""FramePipeline identifies the people of a video from a few encodings per tracked face, and only when sure."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import (
    Candidate,
    FaceBox,
    FaceDetector,
    FramePipeline,
    FrameReport,
    FrameSampler,
    Matcher,
    PipelineConfig,
    Recognition,
    Track,
    open_frames,
)
from recognition.engine.pipeline import decide_identity
from recognition.engine.tracking import iou
from tests.recognition.engine.conftest import Face
from tests.support.images import fixture_path

ImageGetter = Callable[[str], NDArray[np.uint8]]
FacesGetter = Callable[[str], list[Face]]
Frames = list[tuple[float, NDArray[np.uint8]]]

LIN, OBAMA, BIDEN, ALEX = 1, 2, 3, 4
PORTRAIT_OF = {
    LIN: "lin-manuel-miranda.png",
    OBAMA: "obama.jpg",
    BIDEN: "biden.jpg",
    ALEX: "alex-lacamoire.png",
}


class CountingDetector(FaceDetector):
    """A FaceDetector that records how many faces each ``encode`` call was asked for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.encode_calls: list[int] = []

    def encode(self, image: NDArray[np.uint8], boxes: list[FaceBox]) -> NDArray[np.float32]:
        self.encode_calls.append(len(boxes))
        return super().encode(image, boxes)


class ScanRecordingDetector(FaceDetector):
    """A FaceDetector that records the (height, width, upsample) of every ``detect`` call."""

    def __init__(self, **kwargs: int) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scans: list[tuple[int, int, int]] = []

    def detect(self, image: NDArray[np.uint8], *, upsample: int | None = None) -> list[FaceBox]:
        self.scans.append((image.shape[0], image.shape[1], self.upsample if upsample is None else upsample))
        return super().detect(image, upsample=upsample)


@pytest.fixture(scope="module")
def clip() -> Frames:
    return list(open_frames(str(fixture_path("short_hamilton_clip.mp4")), realtime=False))


@pytest.fixture(scope="module")
def fast_detector() -> FaceDetector:
    # No upsampling: 4x cheaper, and the clip's and portraits' faces are big enough (>= ~80 px at 640 px).
    return FaceDetector(upsample=0)


@pytest.fixture
def four_portraits(fixture_faces: FacesGetter) -> Matcher:
    ids = list(PORTRAIT_OF)
    return Matcher(ids, np.vstack([fixture_faces(PORTRAIT_OF[student])[0][1] for student in ids]))


def run(pipeline: FramePipeline, frames: Frames) -> list[FrameReport]:
    return [pipeline.process(frame, timestamp) for timestamp, frame in frames]


def test_the_clip_identifies_lin_manuel_miranda_and_nobody_else(
    clip: Frames, detector: FaceDetector, four_portraits: Matcher
) -> None:
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig())  # defaults: 2 frames/s

    reports = run(pipeline, clip)

    identifications = [found for report in reports for found in report.identifications]
    assert identifications and {found.student_id for found in identifications} == {LIN}
    assert {face.student_id for report in reports for face in report.faces} <= {LIN, None}
    assert 17 <= pipeline.stats.analysed + pipeline.stats.skipped_still <= 20  # 9.1 s at 2 frames/s
    for found in identifications:
        assert found.distance <= 0.5
        crop = cv2.imdecode(np.frombuffer(found.crop_jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert crop is not None and max(crop.shape[:2]) <= 160 and min(crop.shape[:2]) >= 60
        report = next(report for report in reports if report.timestamp == found.timestamp)
        assert any(face.track_id == found.track_id and face.student_id == LIN for face in report.faces)
    # Each track is reported once; later frames keep showing the decided identity.
    assert len({found.track_id for found in identifications}) == len(identifications)
    last = max(identifications, key=lambda found: found.timestamp)
    later = [face for report in reports if report.timestamp > last.timestamp for face in report.faces]
    assert all(face.student_id == LIN for face in later if face.track_id == last.track_id)


def test_a_single_frame_never_decides_but_a_second_recognition_does(
    fixture_image: ImageGetter, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    pipeline = FramePipeline(fast_detector, lambda: four_portraits, PipelineConfig(min_faces=2))
    portrait = fixture_image("lin-manuel-miranda.png")

    first = pipeline.process(portrait, 0.0)

    assert first.analysed and [face.student_id for face in first.faces] == [None]
    assert (first.known, first.unknown, first.identifications) == (0, 1, [])

    second = pipeline.process(portrait, 1.0)  # recheck_s later: encoded again, now 2 recognitions

    assert [(found.student_id, found.track_id) for found in second.identifications] == [(LIN, first.faces[0].track_id)]
    assert (second.known, second.unknown) == (1, 0)
    distance = second.faces[0].distance
    assert distance is not None and distance < 0.15  # the enrolled photo itself (boxes differ a little)


def test_a_tracked_face_is_encoded_far_fewer_times_than_it_is_seen(
    clip: Frames, fixture_faces: FacesGetter, four_portraits: Matcher
) -> None:
    detector = CountingDetector(upsample=0)
    lin_on_stage = [(timestamp, frame) for timestamp, frame in clip if 82 / 29.97 <= timestamp <= 210 / 29.97]
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig(sample_fps=math.inf))

    reports = run(pipeline, lin_on_stage)

    track_ids = {face.track_id for report in reports for face in report.faces}
    appearances = sum(len(report.faces) for report in reports)
    encoded = sum(detector.encode_calls)
    assert len(track_ids) == 1 and appearances >= 80  # 129 frames of one face (some skipped, some missed)
    assert encoded == pipeline.stats.faces_encoded
    # 4.3 s: encoded when new, then once a second while undecided (his first views, in profile, are poor), then
    # once per 5 s.
    assert encoded <= 6
    assert appearances >= 20 * encoded
    assert {found.student_id for report in reports for found in report.identifications} == {LIN}


def test_an_ambiguous_matcher_keeps_the_track_unknown(
    clip: Frames, fast_detector: FaceDetector, fixture_faces: FacesGetter
) -> None:
    lin = fixture_faces("lin-manuel-miranda.png")[0][1]
    obama = fixture_faces("obama.jpg")[0][1]
    twins = Matcher([10, 11, 12], np.vstack([lin, lin, obama]))  # the same face enrolled for two students
    pipeline = FramePipeline(fast_detector, lambda: twins, PipelineConfig(sample_fps=5.0))

    reports = run(pipeline, clip)

    assert pipeline.stats.faces_encoded >= 4  # Lin's track got several recognitions, all within tolerance of both
    assert all(report.known == 0 and not report.identifications for report in reports)
    assert sum(report.unknown for report in reports) > 20


def test_stillness_skipping_does_not_starve_an_undecided_track(
    fixture_image: ImageGetter, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    config = PipelineConfig(sample_fps=2.0, recheck_s=1.0, min_faces=2)
    pipeline = FramePipeline(fast_detector, lambda: four_portraits, config)
    portrait = fixture_image("obama.jpg")  # the same picture every frame: no motion at all

    reports = {report.timestamp: report for report in run(pipeline, [(t / 2, portrait) for t in range(13)])}

    # Undecided: every due frame is analysed although nothing moves, until the second recognition decides.
    assert all(reports[t].analysed for t in (0.0, 0.5, 1.0))
    assert [found.student_id for found in reports[1.0].identifications] == [OBAMA]
    # Decided and still: skipped, except the periodic look every 5 * recheck_s.
    assert [t for t, report in reports.items() if report.analysed] == [0.0, 0.5, 1.0, 6.0]
    assert all(reports[t].skipped == "still" for t in (1.5, 2.0, 5.5))
    assert reports[6.0].faces[0].track_id == reports[0.0].faces[0].track_id  # not aged out while skipped
    assert pipeline.stats.faces_encoded == 3  # 0.0, 1.0, then the decided recheck at 6.0


def test_a_still_empty_scene_is_skipped_and_motion_wakes_it_up(
    fixture_image: ImageGetter, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    pipeline = FramePipeline(fast_detector, lambda: four_portraits, PipelineConfig(sample_fps=2.0))
    portrait = fixture_image("biden.jpg")
    empty = np.full_like(portrait, 128)

    reports = run(pipeline, [(0.0, empty), (0.5, empty), (1.0, empty), (1.5, portrait)])

    assert [report.analysed for report in reports] == [True, False, False, True]
    assert reports[1].skipped == "still" and reports[3].unknown == 1


def test_boxes_are_mapped_back_to_the_original_frame(
    clip: Frames, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    _, frame = clip[150]
    big = np.asarray(cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_CUBIC), dtype=np.uint8)  # 3x the clip
    pipeline = FramePipeline(fast_detector, lambda: four_portraits, PipelineConfig(detect_max_side=640))

    (face,) = pipeline.process(big, 0.0).faces

    # Detection ran on a 640x360 copy: the same box as on the clip frame, times 3, within the resampling error.
    (small_box,) = fast_detector.detect(frame)
    expected = small_box.scaled(3.0)
    assert max(abs(a - b) for a, b in zip(face.box.as_tuple(), expected.as_tuple(), strict=True)) <= 6
    assert iou(face.box, expected) > 0.9
    assert face.box.right <= 1920 and face.box.bottom <= 1080


def test_a_roster_scope_hides_students_outside_the_classroom(
    fixture_image: ImageGetter, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    portrait = fixture_image("lin-manuel-miranda.png")
    frames = [(0.0, portrait), (1.0, portrait), (2.0, portrait)]
    asked: list[set[int]] = []

    def roster() -> set[int]:
        asked.append({OBAMA, BIDEN})
        return asked[-1]

    config = PipelineConfig(motion_threshold=0.0)  # analyse the unchanged frames even once decided
    scoped = run(FramePipeline(fast_detector, lambda: four_portraits, config, scope=roster), frames)
    unscoped = run(FramePipeline(fast_detector, lambda: four_portraits, config), frames)

    assert [report.known for report in scoped] == [0, 0, 0]
    assert len(asked) == 3  # asked on every frame that matched something, so a new roster applies at once
    assert [report.known for report in unscoped] == [0, 1, 1]
    assert [found.student_id for found in unscoped[1].identifications] == [LIN]


def test_a_decided_identity_is_kept_until_another_student_wins_over_twice_min_faces_recognitions(
    fixture_image: ImageGetter, fast_detector: FaceDetector, fixture_faces: FacesGetter
) -> None:
    lin = fixture_faces("lin-manuel-miranda.png")[0][1]
    as_student_1 = Matcher([1], lin[np.newaxis])
    as_student_2 = Matcher([2], lin[np.newaxis])  # later, the same face belongs to student 2 only
    current = [as_student_1]
    config = PipelineConfig(min_faces=2, recheck_s=0.0, motion_threshold=0.0)  # encode every frame
    pipeline = FramePipeline(fast_detector, lambda: current[0], config)
    portrait = fixture_image("lin-manuel-miranda.png")

    reports = run(pipeline, [(0.0, portrait), (1.0, portrait)])
    current[0] = as_student_2
    reports += run(pipeline, [(t, portrait) for t in (2.0, 3.0, 4.0, 5.0)])

    # With d the photo's (small) distance to its enrolled encoding, the weighted means over the last 2 * min_faces
    # = 4 recognitions after each frame are student 1: d, d, (2d + 1)/3, (2d + 2)/4, (d + 3)/4, 1; student 2: 1,
    # 1, (d + 2)/3, (2d + 2)/4, (3d + 1)/4, d.
    assert [[found.student_id for found in report.identifications] for report in reports] == [
        [],
        [1],
        [],
        [],
        [2],  # decided for 2 over 5 >= 2 * min_faces recognitions: corrected, and reported once
        [],
    ]
    assert [report.faces[0].student_id for report in reports] == [None, 1, 1, 1, 2, 2]
    assert len({report.faces[0].track_id for report in reports}) == 1


def test_the_sampler_picks_frames_at_the_configured_rate_by_their_timestamps() -> None:
    sampler = FrameSampler(2.0)
    picked = [index for index in range(300) if sampler.offer(index / 29.97)]

    assert picked[:4] == [0, 15, 30, 45]
    assert len(picked) == 20  # 10 s at 2 frames/s, no drift
    assert sampler.offer(0.0)  # the clock went back (a file started over): a new schedule starts
    assert not sampler.wants(0.1)
    assert all(FrameSampler(math.inf).offer(t / 30) for t in range(10))


def test_a_clock_that_goes_back_starts_a_new_stream_and_ends_the_old_tracks(
    fixture_image: ImageGetter, fast_detector: FaceDetector, four_portraits: Matcher
) -> None:
    pipeline = FramePipeline(fast_detector, lambda: four_portraits, PipelineConfig())
    portrait = fixture_image("alex-lacamoire.png")

    before = pipeline.process(portrait, 9.0)
    after = pipeline.process(portrait, 0.0)  # the file started over

    assert after.analysed and after.ended == [before.faces[0].track_id]
    assert after.faces[0].track_id != before.faces[0].track_id


def test_only_the_latest_recognitions_decide_so_poor_first_views_do_not_hold_a_face_back_forever() -> None:
    track = Track(id=1, box=FaceBox(0, 100, 100, 0), first_seen=0.0, last_seen=0.0)
    config = PipelineConfig(min_faces=2, tolerance=0.5, margin=0.05)  # window: the last 2 * min_faces = 4
    decisions = []
    for timestamp, distance in enumerate([0.6, 0.6, 0.6, 0.45, 0.45, 0.45, 0.45]):
        track.add_recognition(Recognition(float(timestamp), 100.0, (Candidate(7, distance, 0.0),)))
        decisions.append(decide_identity(track, config))

    # The last four: 0.5625, 0.525, then 0.4875 and 0.45, within the tolerance. Over all seven the mean would
    # still be 0.514 at the end, and the face would stay unknown.
    assert decisions[:5] == [None] * 5
    assert decisions[5:] == [(7, pytest.approx(0.4875)), (7, pytest.approx(0.45))]
    assert track.mean_distance(7) == pytest.approx(3.6 / 7)


def test_a_decision_window_smaller_than_min_faces_is_refused() -> None:
    with pytest.raises(ValueError, match="decision_window"):
        PipelineConfig(min_faces=3, decision_window=2)


def test_the_whole_frame_gets_upsampled_detection_once_per_deep_scan_interval_and_small_faces_are_followed_between(
    clip: Frames, four_portraits: Matcher
) -> None:
    detector = ScanRecordingDetector(model="hog", upsample=1, grey=True)  # the cameras' with CAMERA_FACE_DETECTOR=hog
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig(sample_fps=2.0, deep_scan_s=1.5))

    reports = run(pipeline, clip)

    analysed = [report for report in reports if report.analysed]
    whole_frame_upsampled = [scan for scan in detector.scans if scan == (360, 640, 1)]
    assert len(analysed) == 19 and len(whole_frame_upsampled) == pipeline.stats.deep_scans == 7  # 9.1 s / 1.5 s
    # At 0.0 s a 52 px face (Lin-Manuel Miranda, far) is found by the deep scan; at 0.5 s the shallow scan misses
    # it (too small without upsampling) and an upsampled scan of the region around it finds it again, same track.
    first, second = analysed[0], analysed[1]
    assert len(first.faces) == len(second.faces) == 1 and first.faces[0].track_id == second.faces[0].track_id
    assert first.faces[0].box.size < 60
    region_scans = [scan for scan in detector.scans if scan[:2] != (360, 640)]
    assert region_scans and all(height < 360 and upsample == 1 for height, _width, upsample in region_scans)
    assert {found.student_id for report in reports for found in report.identifications} == {LIN}


def test_with_retinaface_every_analysed_frame_is_scanned_whole_once_and_the_far_face_is_kept_in_each(
    clip: Frames, four_portraits: Matcher
) -> None:
    detector = ScanRecordingDetector()  # RetinaFace: one scan finds faces from ~20 px, there is no cheaper one
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig(sample_fps=2.0, deep_scan_s=1.5))

    reports = run(pipeline, clip)

    analysed = [report for report in reports if report.analysed]
    assert len(detector.scans) == len(analysed) == pipeline.stats.deep_scans == 19
    assert all(scan[:2] == (360, 640) for scan in detector.scans)
    # The ~45 px Lin-Manuel Miranda of the first second is found in both analysed frames, as one track (beside a
    # ~26 px face in the audience, which HOG never finds).
    first, second = analysed[0], analysed[1]
    lin_first = [face for face in first.faces if 35 < face.box.size < 60]
    lin_second = [face for face in second.faces if 35 < face.box.size < 60]
    assert len(lin_first) == len(lin_second) == 1 and lin_first[0].track_id == lin_second[0].track_id
    assert LIN in {found.student_id for report in reports for found in report.identifications}


def test_a_deep_scan_interval_of_zero_scans_every_analysed_frame_whole_with_upsampling(
    clip: Frames, four_portraits: Matcher
) -> None:
    detector = ScanRecordingDetector(model="hog", upsample=1, grey=True)
    pipeline = FramePipeline(detector, lambda: four_portraits, PipelineConfig(sample_fps=2.0, deep_scan_s=0.0))

    run(pipeline, clip[:60])  # 2 s: frames at 0.0, 0.5, 1.0, 1.5

    assert detector.scans == [(360, 640, 1)] * 4 and pipeline.stats.deep_scans == 4
