"""The analytics see a face as its box centre divided by the frame's size, take the tracks of analysed pipeline
frames only, and need an aware wall-clock time for the schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recognition.engine import FaceBox, FrameReport, FrameTracks, NodeTrack, TrackedFace

AT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


def test_a_face_is_its_box_centre_in_fractions_of_the_frame() -> None:
    track = NodeTrack(1, FaceBox(top=100, right=400, bottom=200, left=240))

    assert FrameTracks(0.0, AT, 640, 360, (track,)).centre(track) == (0.5, 150 / 360)


def test_an_analysed_report_gives_its_faces() -> None:
    face = TrackedFace(track_id=3, box=FaceBox(top=0, right=10, bottom=10, left=0), student_id=9, distance=0.4)
    report = FrameReport(timestamp=2.5, analysed=True, faces=[face])

    frame = FrameTracks.from_report(report, AT, 640, 360, in_lesson=True)

    assert frame.tracks == (NodeTrack(3, face.box, 9),)
    assert (frame.timestamp, frame.in_lesson) == (2.5, True)


def test_a_skipped_report_is_refused() -> None:
    with pytest.raises(ValueError, match="analysed"):
        FrameTracks.from_report(FrameReport(timestamp=2.5, analysed=False, skipped="still"), AT, 640, 360)


def test_a_naive_time_and_repeated_track_ids_are_refused() -> None:
    track = NodeTrack(1, FaceBox(top=0, right=10, bottom=10, left=0))
    with pytest.raises(ValueError, match="timezone-aware"):
        FrameTracks(0.0, datetime(2026, 12, 7, 10, 0), 640, 360)
    with pytest.raises(ValueError, match="unique"):
        FrameTracks(0.0, AT, 640, 360, (track, track))
    with pytest.raises(ValueError, match="positive"):
        FrameTracks(0.0, AT, 0, 360)
