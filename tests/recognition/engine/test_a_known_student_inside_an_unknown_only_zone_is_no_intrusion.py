"""A zone that concerns unknown faces only ignores students the pipeline recognised; one that concerns everyone
reports them too, with who they are."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recognition.engine import FaceBox, FrameTracks, NodeResult, NodeTrack, Zone, ZoneIntrusionNode

SIZE = 1000
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
SQUARE = ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5))
STUDENT = 42


def face(track_id: int, student_id: int | None) -> NodeTrack:
    return NodeTrack(track_id, FaceBox(top=230, right=270, bottom=270, left=230), student_id)


def run(zone: Zone, *tracks: NodeTrack, frames: int = 4) -> list[NodeResult]:
    node = ZoneIntrusionNode([zone], min_frames=3)
    return [
        node.process(FrameTracks(index * 0.5, MONDAY + timedelta(seconds=index), SIZE, SIZE, tracks))
        for index in range(frames)
    ]


def reported(results: list[NodeResult]) -> list[tuple[int, int | None]]:
    return [(found.track_id, found.student_id) for result in results for found in result.new_intrusions]


def test_an_unknown_only_zone_reports_the_stranger_and_not_the_student() -> None:
    zone = Zone("lab", SQUARE, concerns="unknown")

    assert reported(run(zone, face(1, STUDENT), face(2, None))) == [(2, None)]


def test_a_zone_for_everyone_reports_the_student_too() -> None:
    zone = Zone("lab", SQUARE, concerns="everyone")

    assert sorted(reported(run(zone, face(1, STUDENT), face(2, None)))) == [(1, STUDENT), (2, None)]


def test_a_face_recognised_before_min_frames_is_no_intrusion() -> None:
    node = ZoneIntrusionNode([Zone("lab", SQUARE, concerns="unknown")], min_frames=3)
    identities = [None, None, STUDENT, STUDENT, STUDENT]

    results = [
        node.process(FrameTracks(index * 0.5, MONDAY, SIZE, SIZE, (face(1, student),)))
        for index, student in enumerate(identities)
    ]

    assert reported(results) == []
