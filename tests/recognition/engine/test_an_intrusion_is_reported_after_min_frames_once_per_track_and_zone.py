"""A face inside a watched zone intrudes after min_frames consecutive frames there; each track is reported once
per zone, even when it leaves and comes back, and every track and every zone on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, NodeResult, NodeTrack, Zone, ZoneIntrusionNode

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
LAB = Zone("lab", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)))
STORE = Zone("store", ((0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)))  # overlaps the lab around (0.3, 0.3)
INSIDE, OUTSIDE = (0.25, 0.25), (0.9, 0.9)


def face(track_id: int, point: tuple[float, float]) -> NodeTrack:
    cx, cy = round(point[0] * SIZE), round(point[1] * SIZE)
    return NodeTrack(track_id, FaceBox(top=cy - 20, right=cx + 20, bottom=cy + 20, left=cx - 20))


class Clock:
    def __init__(self, node: ZoneIntrusionNode) -> None:
        self.node = node
        self.timestamp = 0.0

    def frame(self, *tracks: NodeTrack) -> NodeResult:
        result = self.node.process(
            FrameTracks(self.timestamp, MONDAY + timedelta(seconds=self.timestamp), SIZE, SIZE, tracks)
        )
        self.timestamp += 0.5
        return result


def test_the_third_frame_inside_is_an_intrusion_reported_once() -> None:
    clock = Clock(ZoneIntrusionNode([LAB], min_frames=3))

    results = [clock.frame(face(1, INSIDE)) for _ in range(6)]

    assert [len(result.new_intrusions) for result in results] == [0, 0, 1, 0, 0, 0]
    (intrusion,) = results[2].new_intrusions
    assert (intrusion.track_id, intrusion.zone_id, intrusion.student_id) == (1, "lab", None)
    assert intrusion.centre == INSIDE
    assert intrusion.box == face(1, INSIDE).box
    assert intrusion.timestamp == 1.0 and intrusion.at == MONDAY + timedelta(seconds=1)
    assert results[2].results == {"inside": {"lab": 1}}
    assert results[2].active_zones == ["lab"]


def test_leaving_and_coming_back_is_not_reported_again() -> None:
    clock = Clock(ZoneIntrusionNode([LAB], min_frames=3))
    first = [clock.frame(face(1, INSIDE)) for _ in range(3)]
    away = [clock.frame(face(1, OUTSIDE)) for _ in range(3)]
    back = [clock.frame(face(1, INSIDE)) for _ in range(5)]

    assert sum(len(result.new_intrusions) for result in first) == 1
    assert not any(result.new_intrusions for result in away + back)
    assert back[-1].results == {"inside": {"lab": 1}}


def test_a_frame_outside_starts_the_count_over() -> None:
    clock = Clock(ZoneIntrusionNode([LAB], min_frames=3))
    path = [INSIDE, INSIDE, OUTSIDE, INSIDE, INSIDE, INSIDE]

    results = [clock.frame(face(1, point)) for point in path]

    assert [len(result.new_intrusions) for result in results] == [0, 0, 0, 0, 0, 1]


def test_a_frame_without_the_track_does_not_break_its_run() -> None:
    clock = Clock(ZoneIntrusionNode([LAB], min_frames=3))

    results = [clock.frame(face(1, INSIDE)), clock.frame(), clock.frame(face(1, INSIDE)), clock.frame(face(1, INSIDE))]

    assert [len(result.new_intrusions) for result in results] == [0, 0, 0, 1]


def test_every_track_and_every_zone_is_reported_on_its_own() -> None:
    clock = Clock(ZoneIntrusionNode([LAB, STORE], min_frames=2))
    both = (0.3, 0.3)

    results = [clock.frame(face(1, both), face(2, INSIDE)) for _ in range(3)]

    reported = sorted((intrusion.track_id, intrusion.zone_id) for intrusion in results[1].new_intrusions)
    assert reported == [(1, "lab"), (1, "store"), (2, "lab"), (2, "store")]
    assert not results[2].new_intrusions
    assert results[2].results == {"inside": {"lab": 2, "store": 2}}
