"""The nodes forget a track some seconds of frame time after they last saw it, so their memory stays bounded by
the tracks of the last few seconds, and a stream that starts over (its track ids too) starts from nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, LineCrossingNode, NodeTrack, Zone, ZoneIntrusionNode

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
SQUARE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


def face(track_id: int, x: float, y: float) -> NodeTrack:
    cx, cy = round(x * SIZE), round(y * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


def frame(timestamp: float, *tracks: NodeTrack) -> FrameTracks:
    return FrameTracks(timestamp, MONDAY + timedelta(seconds=timestamp), SIZE, SIZE, tracks)


def test_thousands_of_passing_tracks_leave_only_the_recent_ones_in_memory() -> None:
    line = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left", forget_after_s=10)
    zones = ZoneIntrusionNode([Zone("hall", SQUARE, "always", "everyone")], forget_after_s=10)

    for index in range(5000):  # a new face every half second, each seen once
        timestamp = index * 0.5
        line.process(frame(timestamp, face(index, 0.5, 0.8)))
        zones.process(frame(timestamp, face(index, 0.5, 0.8)))

    assert len(line._tracks) <= 21
    assert len(zones._tracks) <= 21


def test_a_track_gone_for_longer_than_the_limit_starts_afresh() -> None:
    line = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left", forget_after_s=10)
    line.process(frame(0.0, face(1, 0.5, 0.8)))
    line.process(frame(0.5))

    late = line.process(frame(11.0, face(1, 0.5, 0.2)))  # forgotten: where it came from is not known

    assert late.new_crossings == {"in": 0, "out": 0}


def test_a_track_back_within_the_limit_is_followed_on() -> None:
    line = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left", forget_after_s=10)
    line.process(frame(0.0, face(1, 0.5, 0.8)))
    line.process(frame(0.5))

    back = line.process(frame(5.0, face(1, 0.5, 0.2)))

    assert back.new_crossings == {"in": 1, "out": 0}


def test_a_forgotten_track_id_can_intrude_again() -> None:
    node = ZoneIntrusionNode([Zone("hall", SQUARE)], min_frames=1, forget_after_s=10)

    first = node.process(frame(0.0, face(1, 0.5, 0.5)))
    node.process(frame(5.0))
    again = node.process(frame(5.5, face(1, 0.5, 0.5)))
    node.process(frame(20.0))
    forgotten = node.process(frame(20.5, face(1, 0.5, 0.5)))

    assert [len(result.new_intrusions) for result in (first, again, forgotten)] == [1, 0, 1]


def test_a_stream_that_starts_over_forgets_its_tracks_but_keeps_the_totals() -> None:
    line = LineCrossingNode((0.1, 0.5), (0.9, 0.5), "left")
    line.process(frame(100.0, face(1, 0.5, 0.8)))
    line.process(frame(100.5, face(1, 0.5, 0.2)))

    restarted = line.process(frame(0.0, face(1, 0.5, 0.8)))  # track 1 of the new stream is someone else

    assert restarted.new_crossings == {"in": 0, "out": 0}
    assert restarted.total_crossings == {"in": 1, "out": 0}
    assert len(line._tracks) == 1
