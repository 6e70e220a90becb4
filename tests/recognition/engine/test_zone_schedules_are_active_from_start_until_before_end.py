"""A zone's weekly windows are active from their start (inclusive) until their end (exclusive), in the frame's
local time; a window whose start is after its end runs past midnight into the next day; an "outside_lessons"
zone is watched while no lesson is going on. Outside its schedule a zone reports nobody."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recognition.engine import FaceBox, FrameTracks, NodeTrack, TimeWindow, Zone, ZoneIntrusionNode

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
SQUARE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
MONDAY, SUNDAY = 0, 6


def at(day: int, hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    # 2026-12-07 is a Monday.
    return datetime(2026, 12, 7 + day, hour, minute, second, microsecond, tzinfo=SAO_PAULO)


def active(zone: Zone, moment: datetime, in_lesson: bool = False) -> bool:
    result = ZoneIntrusionNode([zone]).process(FrameTracks(0.0, moment, 100, 100, (), in_lesson))
    return result.active_zones == [zone.zone_id]


EVENING = Zone("lab", SQUARE, (TimeWindow(MONDAY, time(18, 0), time(22, 0)),))
NIGHT = Zone("lab", SQUARE, (TimeWindow(SUNDAY, time(22, 0), time(6, 0)),))  # Sunday night into Monday


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(0, 17, 59, 59, 999999), False),
        (at(0, 18), True),  # start: inclusive
        (at(0, 21, 59, 59), True),
        (at(0, 22), False),  # end: exclusive
        (at(1, 19), False),  # Tuesday: another weekday
    ],
)
def test_a_window_runs_from_its_start_until_before_its_end(moment: datetime, expected: bool) -> None:
    assert active(EVENING, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(6, 21, 59), False),
        (at(6, 22), True),  # Sunday 22:00
        (at(6, 23, 59, 59), True),
        (at(7, 0), True),  # midnight: Monday, the next week's
        (at(0, 0), True),  # ...and this week's Monday, after last Sunday
        (at(0, 5, 59, 59), True),
        (at(0, 6), False),
        (at(0, 22, 30), False),  # Monday night is not Sunday night
    ],
)
def test_a_window_that_starts_after_it_ends_runs_past_midnight(moment: datetime, expected: bool) -> None:
    assert active(NIGHT, moment) is expected


def test_the_frames_own_local_time_is_what_counts() -> None:
    utc_evening = at(0, 20).astimezone(ZoneInfo("UTC"))  # 20:00 in Sao Paulo is 23:00 UTC

    assert active(EVENING, utc_evening) is False  # the caller passes local time; the window reads it as given
    assert active(EVENING, utc_evening.astimezone(SAO_PAULO)) is True


def test_an_outside_lessons_zone_is_watched_only_while_no_lesson_is_on() -> None:
    zone = Zone("lab", SQUARE, "outside_lessons")

    assert active(zone, at(0, 10), in_lesson=False) is True
    assert active(zone, at(0, 10), in_lesson=True) is False


def test_an_inactive_zone_reports_nobody_and_its_run_starts_over_when_active() -> None:
    node = ZoneIntrusionNode([Zone("lab", SQUARE, "outside_lessons")], min_frames=2)
    stranger = (NodeTrack(1, FaceBox(top=40, right=60, bottom=60, left=40)),)
    lessons = [True, True, True, False, False]

    results = [
        node.process(FrameTracks(index * 0.5, at(0, 10) + timedelta(seconds=index), 100, 100, stranger, in_lesson))
        for index, in_lesson in enumerate(lessons)
    ]

    assert [len(result.new_intrusions) for result in results] == [0, 0, 0, 0, 1]
    assert [result.active_zones for result in results] == [[], [], [], ["lab"], ["lab"]]
