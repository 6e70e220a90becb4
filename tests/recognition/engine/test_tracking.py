"""FaceTracker follows one face across frames by box overlap, starts tracks for new faces and drops lost ones."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import Candidate, FaceBox, FaceDetector, FaceTracker, Recognition, Track
from recognition.engine.tracking import iou
from tests.support.images import fixture_path

CLIP = fixture_path("short_hamilton_clip.mp4")
FPS = 29.97


def clip_frames(first: int, last: int, step: int) -> Iterator[tuple[int, NDArray[np.uint8]]]:
    capture = cv2.VideoCapture(str(CLIP))
    try:
        for index in range(last + 1):
            ok, frame = capture.read()
            assert ok, f"frame {index} of the clip could not be read"
            if index >= first and (index - first) % step == 0:
                yield index, np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    finally:
        capture.release()


@pytest.fixture(scope="module")
def clip_boxes() -> list[tuple[float, list[FaceBox]]]:
    """(timestamp, faces) of every 3rd frame of the clip's middle: Lin-Manuel Miranda on stage, then someone else."""
    detector = FaceDetector(model="hog", upsample=0)  # the boxes the tracker was tuned on
    return [(index / FPS, detector.detect(frame)) for index, frame in clip_frames(82, 248, 3)]


def test_a_face_moving_across_the_stage_keeps_its_track_even_through_a_jump_and_another_person_starts_a_new_one(
    clip_boxes: list[tuple[float, list[FaceBox]]],
) -> None:
    tracker = FaceTracker()
    seen: dict[int, Track] = {}
    ids_by_frame: dict[int, list[int]] = {}
    for timestamp, boxes in clip_boxes:
        tracks = tracker.update(boxes, timestamp)
        assert [track.box for track in tracks] == boxes  # one track per box, in box order
        seen.update((track.id, track) for track in tracks)
        ids_by_frame[round(timestamp * FPS)] = [track.id for track in tracks]

    def ids(first: int, last: int) -> set[int]:
        return {track_id for frame, found in ids_by_frame.items() if first <= frame <= last for track_id in found}

    # Frames 82-112: Lin-Manuel Miranda moves ~10 px a frame. Frames 113-120: the detector loses him and he
    # reappears 50 px higher (IoU 0.23 with his last box, but half a face width away, same size): the same track,
    # kept through frame 208 while he crosses the stage. Frames 217-247: another performer at the other side of
    # the stage, a new track.
    (lin,) = ids(82, 208)
    (other,) = ids(217, 247)
    assert lin != other
    assert seen[lin].last_seen - seen[lin].first_seen > 4.0


def test_a_box_half_a_face_away_of_the_same_size_continues_the_track_but_a_bigger_or_farther_one_does_not() -> None:
    tracker = FaceTracker(iou_threshold=0.3, max_shift=0.75, max_size_ratio=1.5)
    (first,) = tracker.update([FaceBox(0, 100, 100, 0)], 0.0)

    (moved,) = tracker.update([FaceBox(0, 160, 100, 60)], 0.5)  # IoU 0.25, centre 0.6 face widths away
    (far,) = tracker.update([FaceBox(0, 300, 100, 200)], 1.0)  # 1.4 widths from the moved box
    (grown,) = tracker.update([FaceBox(0, 360, 200, 160)], 1.5)  # 2x the size, centred 0.4 widths away

    assert moved is first and first.box == FaceBox(0, 160, 100, 60)
    assert far.id != first.id and grown.id not in {first.id, far.id}


def test_boxes_go_to_the_best_overlapping_track_first() -> None:
    tracker = FaceTracker(iou_threshold=0.3)
    left, right = tracker.update([FaceBox(0, 100, 100, 0), FaceBox(0, 190, 100, 90)], 0.0)

    # The first new box overlaps both tracks; it overlaps the right one better, so the right track takes it even
    # though the left track comes first, and the second box is left to the left track.
    tracks = tracker.update([FaceBox(0, 185, 100, 85), FaceBox(0, 95, 100, -5)], 0.1)

    assert [track.id for track in tracks] == [right.id, left.id]
    assert iou(FaceBox(0, 185, 100, 85), right.box) == 1.0


def test_with_no_shift_allowed_a_box_overlapping_too_little_starts_a_new_track() -> None:
    tracker = FaceTracker(iou_threshold=0.3, max_shift=0.0)
    (first,) = tracker.update([FaceBox(0, 100, 100, 0)], 0.0)

    (moved,) = tracker.update([FaceBox(0, 160, 100, 60)], 0.5)  # IoU 40/160 = 0.25

    assert moved.id != first.id
    assert moved.id > first.id and moved.first_seen == 0.5
    assert {track.id for track in tracker.tracks} == {first.id, moved.id}


def test_tracks_unseen_for_longer_than_max_missing_are_dropped_and_handed_back() -> None:
    tracker = FaceTracker(max_missing_s=1.5)
    (track,) = tracker.update([FaceBox(0, 100, 100, 0)], 10.0)

    tracker.update([], 11.5)
    assert tracker.tracks == [track] and tracker.dropped == []  # exactly max_missing_s: still alive
    (newcomer,) = tracker.update([FaceBox(0, 100, 100, 0)], 11.6)

    assert tracker.dropped == [track]  # dropped before matching: the newcomer does not inherit it
    assert newcomer.id != track.id
    assert tracker.finish() == [newcomer] and tracker.tracks == []


def test_touch_keeps_tracks_alive_through_frames_known_to_be_unchanged() -> None:
    tracker = FaceTracker(max_missing_s=1.5)
    (track,) = tracker.update([FaceBox(0, 100, 100, 0)], 0.0)

    tracker.touch(5.0)
    (again,) = tracker.update([FaceBox(2, 102, 102, 2)], 6.0)

    assert again is track and tracker.dropped == []
    assert (track.first_seen, track.last_seen, track.seen) == (0.0, 6.0, 2)


def test_a_track_ranks_students_by_area_weighted_mean_distance_counting_absent_ones_as_one() -> None:
    track = Track(id=1, box=FaceBox(0, 10, 10, 0), first_seen=0.0, last_seen=0.0)

    track.add_recognition(Recognition(0.0, 100.0, (Candidate(7, 0.4, 0.0), Candidate(8, 0.5, 0.0))))
    track.add_recognition(Recognition(1.0, 300.0, (Candidate(8, 0.3, 0.0),)))

    assert track.mean_distance(7) == pytest.approx((100 * 0.4 + 300 * 1.0) / 400)
    assert track.mean_distance(8) == pytest.approx((100 * 0.5 + 300 * 0.3) / 400)
    assert track.mean_distance(9) == 1.0
    assert [student for student, _ in track.ranking()] == [8, 7]
    assert track.last_encoded == 1.0
