"""Analytics nodes of a camera: how many people are in view, who crossed a line, who is inside a forbidden zone.

Each node takes one analysed frame's tracks (:class:`FrameTracks`: the tracked faces, the frame's size and clock)
and returns a :class:`NodeResult` for it. The nodes work in *normalised* coordinates: a face is the centre of its
box divided by the frame's width and height, so (0, 0) is the image's top-left corner and (1, 1) its bottom-right
one, whatever the camera's resolution; lines and zones are configured in the same coordinates. Distances are in
the same units too (a fraction of the width horizontally, of the height vertically).

* :class:`PeopleCountNode` counts the faces tracked in the frame and says whether the count is rising, falling or
  stable over the last minute.
* :class:`LineCrossingNode` counts the tracks whose path crosses a segment, "in" or "out".
* :class:`ZoneIntrusionNode` reports a track that stays inside a zone (a polygon) while the zone's schedule is
  active, once per track and zone.

A result's ``changed`` says whether it differs from the node's previous one: the caller sends analytics only when
they change. Nodes keep per-track state and forget a track ``forget_after_s`` of frame time after it was last
seen, so memory stays bounded by the tracks of the last few seconds; a frame whose timestamp goes back (a file
started over, a restarted stream, whose track ids start over too) clears that state. Per frame, the work is
O(tracks) for the count and the line and O(tracks x zones) for the zones.

Not thread-safe: one set of nodes per video stream. Nothing here imports Django (nor anything heavy: the face box
type is only named in annotations).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

if TYPE_CHECKING:
    from .detection import FaceBox
    from .pipeline import FrameReport, TrackedFace

__all__ = [
    "DEFAULT_DEAD_BAND",
    "DEFAULT_FORGET_AFTER_S",
    "DEFAULT_LINE_MARGIN",
    "DEFAULT_MIN_FRAMES",
    "DEFAULT_TREND_WINDOW_S",
    "AnalyticsNode",
    "Concerns",
    "FrameTracks",
    "Intrusion",
    "LineCrossingNode",
    "NodeResult",
    "NodeTrack",
    "PeopleCountNode",
    "Point",
    "Schedule",
    "Side",
    "TimeWindow",
    "Trend",
    "Zone",
    "ZoneIntrusionNode",
    "nodes_from_config",
    "point_in_polygon",
    "segments_intersect",
    "validate_line",
    "validate_polygon",
]

Point: TypeAlias = tuple[float, float]
Trend = Literal["rising", "falling", "stable"]
Side = Literal["left", "right"]
Concerns = Literal["unknown", "everyone"]

#: Zone ids name the zone in alerts and on the monitor: short words ("lab", "door").
ZONE_ID_MAX = 40
#: The trend compares the counts of the last minute.
DEFAULT_TREND_WINDOW_S = 60.0
#: Mean counts of the two halves of the window closer than this are "stable": a count flickering between n and
#: n + 1 (a face missed now and then) moves the halves' means by a fraction of that.
DEFAULT_DEAD_BAND = 0.5
#: A track's side of the line changes only once its face's centre is this far from the line (normalised units:
#: 0.03 is ~19 px of a 640 px wide frame). A face standing still jitters by a few pixels between frames; one
#: walking at 2 analysed frames a second moves several times this between two of them.
DEFAULT_LINE_MARGIN = 0.03
#: A track must be inside a zone in this many consecutive frames of its own to intrude (~1.5 s at 2 frames a
#: second): a face passing a zone's corner, or one box that jumped, is no intrusion.
DEFAULT_MIN_FRAMES = 3
#: Per-track state is dropped this long (frame time) after the track was last seen. The tracker ends a track
#: after 1.5 s without its face, so a track id unseen for 10 s will never come back.
DEFAULT_FORGET_AFTER_S = 10.0

# Geometry tolerance: coordinates are fractions of the frame, pixels are ~1e-3 of it.
_EPS = 1e-12
# Polygons with less area than this (in normalised units: a thousandth of a pixel of a 640x360 frame) are refused.
_MIN_AREA = 1e-9
# The trend needs counts reaching back this fraction of its window (so its older half has at least half its frames).
_TREND_MIN_SPAN = 0.75
# Days of per-day crossing totals kept in a line's results.
_KEEP_DAYS = 7


# --- Frames, results and the node interface -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeTrack:
    """A tracked face in a frame: its track id, its box in pixels, and its identity (None while unknown)."""

    track_id: int
    box: FaceBox
    student_id: int | None = None

    @classmethod
    def from_face(cls, face: TrackedFace) -> NodeTrack:
        return cls(track_id=face.track_id, box=face.box, student_id=face.student_id)


@dataclass(frozen=True, slots=True)
class FrameTracks:
    """One analysed frame as the analytics see it.

    ``timestamp`` is the frame's stream time in seconds (what the pipeline schedules on: tracks, windows and
    forgetting are measured in it); ``at`` is the wall-clock time of the frame, timezone-aware and in the
    school's local time, which the zones' schedules and the per-day totals read (weekday, time of day, date).
    ``in_lesson`` says whether a lesson is going on in the camera's room (for "outside_lessons" zones), and
    ``lesson_id`` which one, when the caller knows (the line's per-lesson totals).
    """

    timestamp: float
    at: datetime
    width: int
    height: int
    tracks: tuple[NodeTrack, ...] = ()
    in_lesson: bool = False
    lesson_id: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.timestamp):
            raise ValueError("timestamp must be a finite number of seconds")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("at must be a timezone-aware datetime")
        if self.width <= 0 or self.height <= 0:
            raise ValueError("width and height must be positive")
        if not isinstance(self.tracks, tuple):
            raise TypeError("tracks must be a tuple")
        if len({track.track_id for track in self.tracks}) != len(self.tracks):
            raise ValueError("track ids must be unique within a frame")

    @classmethod
    def from_report(
        cls,
        report: FrameReport,
        at: datetime,
        width: int,
        height: int,
        in_lesson: bool = False,
        lesson_id: int | None = None,
    ) -> FrameTracks:
        """The tracks of an analysed pipeline frame. A skipped frame carries no faces (it would read as an empty
        room), so it is refused: feed the analytics analysed frames only."""
        if not report.analysed:
            raise ValueError("only analysed frames carry tracks (this one was skipped)")
        tracks = tuple(NodeTrack.from_face(face) for face in report.faces)
        return cls(report.timestamp, at, width, height, tracks, in_lesson or lesson_id is not None, lesson_id)

    def centre(self, track: NodeTrack) -> Point:
        """The centre of ``track``'s box, normalised to 0..1 by the frame's size (outside it for a box that
        overflows the frame)."""
        box = track.box
        return ((box.left + box.right) / 2 / self.width, (box.top + box.bottom) / 2 / self.height)


@dataclass(frozen=True, slots=True)
class Intrusion:
    """A track found inside a zone for ``min_frames`` consecutive frames while the zone was active."""

    track_id: int
    zone_id: str
    box: FaceBox  # pixels, in the frame where the intrusion was decided
    centre: Point  # normalised
    student_id: int | None  # who, when known (zones that concern everyone)
    timestamp: float
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "zone_id": self.zone_id,
            "box": self.box.to_dict(),
            "centre": list(self.centre),
            "student_id": self.student_id,
            "timestamp": self.timestamp,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class NodeResult:
    """One node's result for one frame: the fields of the monitor message (None where the node has no such
    thing), ``results`` for node-specific extras (JSON-able), and ``changed`` when anything but the per-frame
    events differs from the node's previous result, or there are new events (crossings, intrusions)."""

    node_id: str
    node_type: str
    people_count: int | None = None
    trend: Trend | None = None
    new_crossings: dict[str, int] | None = None  # "in" / "out"
    total_crossings: dict[str, int] | None = None
    new_intrusions: list[Intrusion] = field(default_factory=list)
    active_zones: list[str] | None = None
    results: dict[str, Any] = field(default_factory=dict)
    changed: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the monitor message."""
        return {
            "node_id": self.node_id,
            "node_type": self.node_type,
            "people_count": self.people_count,
            "trend": self.trend,
            "new_crossings": self.new_crossings,
            "total_crossings": self.total_crossings,
            "new_intrusions": [intrusion.to_dict() for intrusion in self.new_intrusions],
            "active_zones": self.active_zones,
            "results": self.results,
            "changed": self.changed,
        }


class AnalyticsNode(Protocol):
    """What every node offers: an id (unique among a camera's nodes), its type, and ``process``, called once per
    analysed frame in timestamp order."""

    node_id: str
    node_type: str

    def process(self, frame: FrameTracks) -> NodeResult: ...


class _ChangeTracker:
    """Remembers a node's last lasting state (everything but the per-frame events) to set ``changed``."""

    def __init__(self) -> None:
        self._previous: object = _NOTHING

    def changed(self, state: object, events: bool) -> bool:
        changed = events or state != self._previous
        self._previous = state
        return changed


_NOTHING = object()


# --- Geometry -----------------------------------------------------------------------------------------------------


def _cross(o: Point, a: Point, b: Point) -> float:
    """z of (a - o) x (b - o): > 0 when b is clockwise of a seen from o *on the image* (y grows downwards)."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _orientation(o: Point, a: Point, b: Point) -> int:
    value = _cross(o, a, b)
    if abs(value) <= _EPS:
        return 0
    return 1 if value > 0 else -1


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    """Whether ``p``, collinear with a-b, lies within the segment's bounding box (ends included)."""
    return (
        min(a[0], b[0]) - _EPS <= p[0] <= max(a[0], b[0]) + _EPS
        and min(a[1], b[1]) - _EPS <= p[1] <= max(a[1], b[1]) + _EPS
    )


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Whether segments p1-p2 and q1-q2 share a point: a proper crossing, one touching the other (an end on the
    other segment, or two ends in common), or collinear segments that overlap. Collinear segments that only lie
    on the same line, apart, do not intersect. A zero-length segment is a point."""
    o1 = _orientation(p1, p2, q1)
    o2 = _orientation(p1, p2, q2)
    o3 = _orientation(q1, q2, p1)
    o4 = _orientation(q1, q2, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    # Touching and collinear cases: an end of one segment on the other (or on its line, then within its extent).
    return (
        (o1 == 0 and _on_segment(q1, p1, p2))
        or (o2 == 0 and _on_segment(q2, p1, p2))
        or (o3 == 0 and _on_segment(p1, q1, q2))
        or (o4 == 0 and _on_segment(p2, q1, q2))
    )


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting (a ray towards +x, counting the edges it crosses). A point exactly on an edge may fall either
    way; a face's centre exactly on a zone's border is as good as outside or inside."""
    x, y = point
    inside = False
    previous = polygon[-1]
    for current in polygon:
        (x1, y1), (x2, y2) = previous, current
        if (y1 > y) != (y2 > y):
            x_at_y = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_at_y:
                inside = not inside
        previous = current
    return inside


def _polygon_area(points: Sequence[Point]) -> float:
    total = 0.0
    previous = points[-1]
    for current in points:
        total += previous[0] * current[1] - current[0] * previous[1]
        previous = current
    return abs(total) / 2


def _as_point(value: object, name: str) -> Point:
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or len(value) != 2
        or not all(isinstance(coordinate, int | float) and not isinstance(coordinate, bool) for coordinate in value)
    ):
        raise ValueError(f"{name} must be a point [x, y] of two numbers, not {value!r}")
    x, y = float(value[0]), float(value[1])
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):  # also refuses NaN
        raise ValueError(f"{name} must lie within the frame (0..1 on both axes), not {value!r}")
    return (x, y)


def _as_points(points: object, name: str) -> list[Point]:
    if not isinstance(points, Sequence) or isinstance(points, str):
        raise ValueError(f"{name} must be a list of points [x, y]")
    return [_as_point(point, f"{name}[{index}]") for index, point in enumerate(points)]


def validate_polygon(points: object, name: str = "polygon") -> None:
    """Raise ValueError unless ``points`` is a simple polygon inside the frame: at least 3 distinct points [x, y]
    within 0..1, no two edges crossing or touching (besides neighbours sharing their corner), no edge folding
    back onto its neighbour, and a non-zero area. ``name`` is the field named in the messages."""
    polygon = _as_points(points, name)
    if len(polygon) < 3:
        raise ValueError(f"{name} needs at least 3 points, not {len(polygon)}")
    if len(set(polygon)) != len(polygon):
        raise ValueError(f"{name} repeats a point")
    count = len(polygon)
    edges = [(polygon[index], polygon[(index + 1) % count]) for index in range(count)]
    for index, (a, b) in enumerate(edges):
        # Neighbours share a corner; they must not overlap beyond it (a spike that folds back).
        c = edges[(index + 1) % count][1]
        if _orientation(a, b, c) == 0 and (_on_segment(c, a, b) or _on_segment(a, b, c)):
            raise ValueError(f"{name}: the edges at point {(index + 1) % count} fold back onto each other")
        for other in range(index + 2, count):
            if index == 0 and other == count - 1:
                continue  # the last edge is the first one's neighbour
            if segments_intersect(a, b, *edges[other]):
                raise ValueError(f"{name} crosses itself (edges {index} and {other} intersect)")
    if _polygon_area(polygon) < _MIN_AREA:
        raise ValueError(f"{name} has no area")


def validate_line(points: object, name: str = "line") -> None:
    """Raise ValueError unless ``points`` is exactly 2 distinct points [x, y] within 0..1."""
    line = _as_points(points, name)
    if len(line) != 2:
        raise ValueError(f"{name} needs exactly 2 points, not {len(line)}")
    if math.dist(*line) <= _EPS:
        raise ValueError(f"{name}'s 2 points must differ")


# --- People count -------------------------------------------------------------------------------------------------


class PeopleCountNode:
    """How many people are in view now, and whether that number is rising, falling or stable.

    What it counts: the faces tracked in the frame, i.e. people whose face is turned towards the camera closely
    enough for the detector (frontal, or turned only partly away) and big enough in the image (see the
    pipeline's detection sizes). What it cannot count: people with their backs to the camera, faces hidden (by
    another person, a hand, a mask, a book), faces too small or too blurred to detect, and anyone outside the
    camera's view. It is a lower bound on the people in a room, not a head count.

    The trend rule: the node keeps the counts of the frames of the last ``window_s`` seconds (frame time), splits
    them at the window's middle, and compares the mean count of the recent half with that of the older half. A
    difference above ``dead_band`` is "rising", below ``-dead_band`` "falling", anything else "stable"; so a
    count that flickers by one (a face missed now and then) stays stable, while one more person for good shows as
    rising within about ``dead_band`` of a half window (15 s with the defaults) and stays so until the older half
    has caught up. Every frame weighs the same (frames arrive at the pipeline's steady rate). The trend is None
    while the counts kept reach back less than three quarters of the window (the first 45 s of a stream with the
    defaults, or after a gap in the frames): an older half of one or two frames would decide it by chance.
    """

    node_type = "people_count"

    def __init__(
        self,
        node_id: str = "people_count",
        window_s: float = DEFAULT_TREND_WINDOW_S,
        dead_band: float = DEFAULT_DEAD_BAND,
    ) -> None:
        if not (window_s > 0 and math.isfinite(window_s)):
            raise ValueError("window_s must be a positive number of seconds")
        if not (dead_band >= 0 and math.isfinite(dead_band)):
            raise ValueError("dead_band must be >= 0")
        self.node_id = node_id
        self.window_s = float(window_s)
        self.dead_band = float(dead_band)
        self._history: deque[tuple[float, int]] = deque()
        self._changes = _ChangeTracker()

    def process(self, frame: FrameTracks) -> NodeResult:
        count = len(frame.tracks)
        if self._history and frame.timestamp < self._history[-1][0]:
            self._history.clear()  # the stream started over
        self._history.append((frame.timestamp, count))
        start = frame.timestamp - self.window_s
        while self._history[0][0] < start:
            self._history.popleft()
        trend = self._trend(frame.timestamp)
        return NodeResult(
            node_id=self.node_id,
            node_type=self.node_type,
            people_count=count,
            trend=trend,
            changed=self._changes.changed((count, trend), events=False),
        )

    def _trend(self, now: float) -> Trend | None:
        if now - self._history[0][0] < _TREND_MIN_SPAN * self.window_s:
            return None  # too little history: one or two old frames would decide it
        middle = now - self.window_s / 2
        older = [count for timestamp, count in self._history if timestamp < middle]
        recent = [count for timestamp, count in self._history if timestamp >= middle]
        if not older or not recent:
            return None
        difference = sum(recent) / len(recent) - sum(older) / len(older)
        if difference > self.dead_band:
            return "rising"
        if difference < -self.dead_band:
            return "falling"
        return "stable"


# --- Line crossing ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _LineTrack:
    last_seen: float
    position: Point
    side: Side | None  # the side it last settled on (None: never far enough from the line yet)
    crossed: bool = False  # its path met the segment since it last settled


class LineCrossingNode:
    """Counts the tracks whose path (the successive centres of their face box) crosses the segment ``a``-``b``.

    Sides are named as seen on the image: walking from ``a`` to ``b``, "left" is on the left hand. A track that
    crosses into ``in_side`` counts "in", one that crosses out of it counts "out".

    Hysteresis: a track's side changes only once its centre is at least ``margin`` from the segment's line; points
    closer than that (a face hovering or jittering on the line) leave the side as it was. A crossing is counted
    when the side changes *and* the path met the segment itself since the track last settled on a side, so each
    change of side counts once, and going around an end of the segment counts nothing. A track that goes in and
    later comes back out counts one "in" and one "out". A track first seen within ``margin`` of the line takes the
    side it first settles on, uncounted (where it came from is not known).

    Totals are kept since the node was built or :meth:`reset_totals`; ``results["per_day"]`` has the totals of
    the last 7 days, keyed by the frame's local date (``at.date().isoformat()``), and ``results["per_lesson"]``
    those of the lesson going on (``{"lesson_id": id, "in": n, "out": n}``, from zero when the frame's
    ``lesson_id`` changes; None outside lessons).
    """

    node_type = "line_crossing"

    def __init__(
        self,
        a: Point,
        b: Point,
        in_side: Side,
        node_id: str = "line",
        margin: float = DEFAULT_LINE_MARGIN,
        forget_after_s: float = DEFAULT_FORGET_AFTER_S,
    ) -> None:
        validate_line([a, b])
        if in_side not in ("left", "right"):
            raise ValueError('in_side must be "left" or "right"')
        if not (margin >= 0 and math.isfinite(margin)):
            raise ValueError("margin must be >= 0")
        if not forget_after_s > 0:
            raise ValueError("forget_after_s must be positive")
        self.node_id = node_id
        self.a: Point = (float(a[0]), float(a[1]))
        self.b: Point = (float(b[0]), float(b[1]))
        self.in_side: Side = in_side
        self.margin = float(margin)
        self.forget_after_s = float(forget_after_s)
        self._length = math.dist(self.a, self.b)
        self._tracks: dict[int, _LineTrack] = {}
        self._last_timestamp: float | None = None
        self.totals = {"in": 0, "out": 0}
        self.per_day: dict[str, dict[str, int]] = {}
        self.per_lesson: dict[str, Any] | None = None
        self._changes = _ChangeTracker()

    def reset_totals(self) -> None:
        """Start the totals (and the per-day and per-lesson ones) from zero; tracks keep their sides."""
        self.totals = {"in": 0, "out": 0}
        self.per_day = {}
        self.per_lesson = None

    def process(self, frame: FrameTracks) -> NodeResult:
        if self._last_timestamp is not None and frame.timestamp < self._last_timestamp:
            self._tracks.clear()
        self._last_timestamp = frame.timestamp
        # Forget first, so that an id unseen for long is a new track (its old position would be meaningless).
        _forget(self._tracks, frame.timestamp, self.forget_after_s)
        new = {"in": 0, "out": 0}
        for track in frame.tracks:
            direction = self._follow(track.track_id, frame.centre(track), frame.timestamp)
            if direction is not None:
                new[direction] += 1
        day = frame.at.date().isoformat()
        if frame.lesson_id is None:
            self.per_lesson = None
        elif self.per_lesson is None or self.per_lesson["lesson_id"] != frame.lesson_id:
            self.per_lesson = {"lesson_id": frame.lesson_id, "in": 0, "out": 0}
        if new["in"] or new["out"]:
            today = self.per_day.setdefault(day, {"in": 0, "out": 0})
            for key, count in new.items():
                self.totals[key] += count
                today[key] += count
                if self.per_lesson is not None:
                    self.per_lesson[key] += count
            while len(self.per_day) > _KEEP_DAYS:
                del self.per_day[min(self.per_day)]
        per_day = {key: dict(value) for key, value in self.per_day.items()}
        per_lesson = None if self.per_lesson is None else dict(self.per_lesson)
        totals = dict(self.totals)
        return NodeResult(
            node_id=self.node_id,
            node_type=self.node_type,
            new_crossings=new,
            total_crossings=totals,
            results={"per_day": per_day, "per_lesson": per_lesson},
            changed=self._changes.changed((totals, per_day, per_lesson), events=bool(new["in"] or new["out"])),
        )

    def side_of(self, point: Point) -> Side | None:
        """The side ``point`` is on, or None within ``margin`` of the line."""
        distance = _cross(self.a, self.b, point) / self._length  # signed, < 0 on the left as seen on the image
        if abs(distance) < self.margin or distance == 0:
            return None
        return "left" if distance < 0 else "right"

    def _follow(self, track_id: int, position: Point, timestamp: float) -> Literal["in", "out"] | None:
        side = self.side_of(position)
        state = self._tracks.get(track_id)
        if state is None:
            self._tracks[track_id] = _LineTrack(last_seen=timestamp, position=position, side=side)
            return None
        if segments_intersect(state.position, position, self.a, self.b):
            state.crossed = True
        state.position = position
        state.last_seen = timestamp
        if side is None:
            return None
        direction: Literal["in", "out"] | None = None
        if state.side is not None and side != state.side and state.crossed:
            direction = "in" if side == self.in_side else "out"
        # Settled (again): a later crossing is measured from here.
        state.side = side
        state.crossed = False
        return direction


def _forget(states: dict[int, Any], now: float, after_s: float) -> None:
    stale = [track_id for track_id, state in states.items() if now - state.last_seen > after_s]
    for track_id in stale:
        del states[track_id]


# --- Zone intrusion -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A weekly window: from ``start`` (inclusive) to ``end`` (exclusive) on ``weekday`` (Monday 0 .. Sunday 6).
    A window whose ``start`` is after its ``end`` crosses midnight: it runs from ``start`` on ``weekday`` to
    ``end`` on the next day (Sunday's runs into Monday). Times are the wall-clock time of the frame's ``at``."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local wall-clock times, without a time zone")
        if self.start == self.end:
            raise ValueError("a window's start and end must differ")

    def contains(self, at: datetime) -> bool:
        moment = at.time()  # the local wall-clock time, naive
        weekday = at.weekday()
        if self.start < self.end:
            return weekday == self.weekday and self.start <= moment < self.end
        return (weekday == self.weekday and moment >= self.start) or (
            weekday == (self.weekday + 1) % 7 and moment < self.end
        )


Schedule: TypeAlias = Literal["always", "outside_lessons"] | tuple[TimeWindow, ...]


@dataclass(frozen=True)
class Zone:
    """A polygon (normalised points) watched while its ``schedule`` is active: "always", "outside_lessons" (while
    the frame's ``in_lesson`` is False), or weekly :class:`TimeWindow` s (active within any of them). ``concerns``
    is "unknown" (only faces nobody could name intrude) or "everyone"."""

    zone_id: str
    points: tuple[Point, ...]
    schedule: Schedule = "always"
    concerns: Concerns = "unknown"
    _bounds: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.zone_id, str) or not self.zone_id:
            raise ValueError("a zone needs a non-empty id")
        validate_polygon(self.points, f"zone {self.zone_id!r} points")
        points = tuple((float(x), float(y)) for x, y in self.points)
        object.__setattr__(self, "points", points)
        if isinstance(self.schedule, str):
            if self.schedule not in ("always", "outside_lessons"):
                raise ValueError(f'zone {self.zone_id!r}: schedule must be "always", "outside_lessons" or windows')
        else:
            windows = tuple(self.schedule)
            if not windows or not all(isinstance(window, TimeWindow) for window in windows):
                raise ValueError(f"zone {self.zone_id!r}: schedule needs at least one time window")
            object.__setattr__(self, "schedule", windows)
        if self.concerns not in ("unknown", "everyone"):
            raise ValueError(f'zone {self.zone_id!r}: concerns must be "unknown" or "everyone"')
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        object.__setattr__(self, "_bounds", (min(xs), min(ys), max(xs), max(ys)))

    def active(self, at: datetime, in_lesson: bool) -> bool:
        if self.schedule == "always":
            return True
        if self.schedule == "outside_lessons":
            return not in_lesson
        return any(window.contains(at) for window in self.schedule)

    def concerns_track(self, track: NodeTrack) -> bool:
        return self.concerns == "everyone" or track.student_id is None

    def contains(self, point: Point) -> bool:
        left, top, right, bottom = self._bounds
        if not (left <= point[0] <= right and top <= point[1] <= bottom):
            return False
        return point_in_polygon(point, self.points)


@dataclass(slots=True)
class _ZoneTrack:
    last_seen: float
    inside: dict[str, int] = field(default_factory=dict)  # zone id -> consecutive frames of this track inside
    reported: set[str] = field(default_factory=set)


class ZoneIntrusionNode:
    """Reports tracks inside watched zones.

    A track intrudes a zone once its face's centre has been inside the polygon in ``min_frames`` consecutive
    frames of the track (frames the track is missing from do not break the run; a frame where it is outside the
    zone, where the zone is inactive, or where the zone does not concern it, e.g. the face has just been
    recognised in an "unknown" zone, starts it over). Each (track, zone) is reported once, in ``new_intrusions``:
    a track that leaves and comes back is not reported again for that zone. ``active_zones`` lists the zones
    whose schedule is active in the frame; ``results["inside"]`` counts, per active zone, the tracks that have
    been inside long enough to intrude and still are.
    """

    node_type = "zone_intrusion"

    def __init__(
        self,
        zones: Iterable[Zone],
        node_id: str = "zones",
        min_frames: int = DEFAULT_MIN_FRAMES,
        forget_after_s: float = DEFAULT_FORGET_AFTER_S,
    ) -> None:
        self.zones = tuple(zones)
        ids = [zone.zone_id for zone in self.zones]
        if len(set(ids)) != len(ids):
            raise ValueError("zone ids must be unique")
        if isinstance(min_frames, bool) or not isinstance(min_frames, int) or min_frames < 1:
            raise ValueError("min_frames must be an integer >= 1")
        if not forget_after_s > 0:
            raise ValueError("forget_after_s must be positive")
        self.node_id = node_id
        self.min_frames = min_frames
        self.forget_after_s = float(forget_after_s)
        self._tracks: dict[int, _ZoneTrack] = {}
        self._last_timestamp: float | None = None
        self._changes = _ChangeTracker()

    def process(self, frame: FrameTracks) -> NodeResult:
        if self._last_timestamp is not None and frame.timestamp < self._last_timestamp:
            self._tracks.clear()
        self._last_timestamp = frame.timestamp
        _forget(self._tracks, frame.timestamp, self.forget_after_s)
        active = [zone for zone in self.zones if zone.active(frame.at, frame.in_lesson)]
        inside_counts = {zone.zone_id: 0 for zone in active}
        intrusions: list[Intrusion] = []
        for track in frame.tracks:
            state = self._tracks.get(track.track_id)
            if state is None:
                state = self._tracks[track.track_id] = _ZoneTrack(last_seen=frame.timestamp)
            state.last_seen = frame.timestamp
            centre = frame.centre(track)
            inside: dict[str, int] = {}
            for zone in active:
                if not (zone.concerns_track(track) and zone.contains(centre)):
                    continue
                frames = inside[zone.zone_id] = state.inside.get(zone.zone_id, 0) + 1
                if frames < self.min_frames:
                    continue
                inside_counts[zone.zone_id] += 1
                if zone.zone_id not in state.reported:
                    state.reported.add(zone.zone_id)
                    intrusions.append(
                        Intrusion(
                            track_id=track.track_id,
                            zone_id=zone.zone_id,
                            box=track.box,
                            centre=centre,
                            student_id=track.student_id,
                            timestamp=frame.timestamp,
                            at=frame.at,
                        )
                    )
            state.inside = inside
        active_ids = [zone.zone_id for zone in active]
        return NodeResult(
            node_id=self.node_id,
            node_type=self.node_type,
            new_intrusions=intrusions,
            active_zones=active_ids,
            results={"inside": inside_counts},
            changed=self._changes.changed((active_ids, inside_counts), events=bool(intrusions)),
        )


# --- Configuration ------------------------------------------------------------------------------------------------

_TOP_LEVEL_KEYS = {"people_count", "line", "zones", "zone_min_frames"}


def nodes_from_config(config: Mapping[str, Any]) -> list[AnalyticsNode]:
    """Build a camera's nodes from its JSON-able settings, refusing anything wrong with a ValueError naming the
    field::

        {
            "people_count": {"enabled": true, "trend_window_s": 60, "dead_band": 0.5},  # on unless enabled false
            "line": {"a": [x, y], "b": [x, y], "in_side": "left", "margin": 0.03},     # optional
            "zones": [                                                                   # optional
                {"id": "lab", "points": [[x, y], ...], "concerns": "unknown",
                 "schedule": "outside_lessons" | "always" | [{"weekday": 0, "start": "18:00", "end": "07:00"}]}
            ],
            "zone_min_frames": 3,                                                        # optional
        }

    Nodes come in that order: people count, line, zones (one node for all the zones).
    """
    if not isinstance(config, Mapping):
        raise ValueError("the analytics settings must be an object")
    _refuse_unknown(config, _TOP_LEVEL_KEYS, "analytics")
    nodes: list[AnalyticsNode] = []
    people = _optional_object(config, "people_count")
    if people is None:
        people = {}
    _refuse_unknown(people, {"enabled", "trend_window_s", "dead_band"}, "people_count")
    enabled = people.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError("people_count.enabled must be true or false")
    if enabled:
        nodes.append(
            PeopleCountNode(
                window_s=_number(people, "trend_window_s", DEFAULT_TREND_WINDOW_S, "people_count", positive=True),
                dead_band=_number(people, "dead_band", DEFAULT_DEAD_BAND, "people_count"),
            )
        )
    line = _optional_object(config, "line")
    if line is not None:
        nodes.append(_line_from_config(line))
    zones = config.get("zones")
    if zones is not None:
        if not isinstance(zones, list):
            raise ValueError("zones must be a list")
        min_frames = config.get("zone_min_frames", DEFAULT_MIN_FRAMES)
        if isinstance(min_frames, bool) or not isinstance(min_frames, int) or min_frames < 1:
            raise ValueError("zone_min_frames must be an integer >= 1")
        built = [_zone_from_config(zone, f"zones[{index}]") for index, zone in enumerate(zones)]
        seen: set[str] = set()
        for index, zone in enumerate(built):
            if zone.zone_id in seen:
                raise ValueError(f"zones[{index}].id {zone.zone_id!r} is used by another zone")
            seen.add(zone.zone_id)
        if built:
            nodes.append(ZoneIntrusionNode(built, min_frames=min_frames))
    return nodes


def _refuse_unknown(value: Mapping[str, Any], known: set[str], name: str) -> None:
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise ValueError(f"{name}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def _optional_object(config: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = config.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(f"{key} must be an object")
    return value


def _number(config: Mapping[str, Any], key: str, default: float, name: str, positive: bool = False) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}.{key} must be a number")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name}.{key} must be {'positive' if positive else '>= 0'}")
    return float(value)


def _line_from_config(line: Mapping[str, Any]) -> LineCrossingNode:
    _refuse_unknown(line, {"a", "b", "in_side", "margin"}, "line")
    for key in ("a", "b", "in_side"):
        if key not in line:
            raise ValueError(f"line.{key} is required")
    a = _as_point(line["a"], "line.a")
    b = _as_point(line["b"], "line.b")
    validate_line([a, b], "line (a, b)")
    in_side = line["in_side"]
    if in_side not in ("left", "right"):
        raise ValueError('line.in_side must be "left" or "right" (of the direction a -> b, as seen on the image)')
    margin = _number(line, "margin", DEFAULT_LINE_MARGIN, "line")
    return LineCrossingNode(a, b, in_side, margin=margin)


def _zone_from_config(zone: object, name: str) -> Zone:
    if not isinstance(zone, Mapping):
        raise ValueError(f"{name} must be an object")
    _refuse_unknown(zone, {"id", "points", "schedule", "concerns"}, name)
    zone_id = zone.get("id")
    if not isinstance(zone_id, str) or not zone_id.strip():
        raise ValueError(f"{name}.id must be a non-empty string")
    if len(zone_id) > ZONE_ID_MAX:
        raise ValueError(f"{name}.id must be at most {ZONE_ID_MAX} characters")
    if "points" not in zone:
        raise ValueError(f"{name}.points is required")
    validate_polygon(zone["points"], f"{name}.points")
    points = tuple(_as_points(zone["points"], f"{name}.points"))
    concerns = zone.get("concerns", "unknown")
    if concerns not in ("unknown", "everyone"):
        raise ValueError(f'{name}.concerns must be "unknown" or "everyone"')
    schedule = _schedule_from_config(zone.get("schedule", "always"), f"{name}.schedule")
    return Zone(zone_id, points, schedule, concerns)


def _schedule_from_config(schedule: object, name: str) -> Schedule:
    if schedule == "always":
        return "always"
    if schedule == "outside_lessons":
        return "outside_lessons"
    if not isinstance(schedule, list) or not schedule:
        raise ValueError(f'{name} must be "always", "outside_lessons" or a non-empty list of windows')
    windows = []
    for index, window in enumerate(schedule):
        field_name = f"{name}[{index}]"
        if not isinstance(window, Mapping):
            raise ValueError(f"{field_name} must be an object with weekday, start and end")
        _refuse_unknown(window, {"weekday", "start", "end"}, field_name)
        weekday = window.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"{field_name}.weekday must be 0 (Monday) to 6 (Sunday)")
        start = _time(window.get("start"), f"{field_name}.start")
        end = _time(window.get("end"), f"{field_name}.end")
        if start == end:
            raise ValueError(f"{field_name}: start and end must differ")
        windows.append(TimeWindow(weekday, start, end))
    return tuple(windows)


def _time(value: object, name: str) -> time:
    if not isinstance(value, str):
        raise ValueError(f'{name} must be a time "HH:MM"')
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError(f'{name} must be a time "HH:MM", not {value!r}') from None
    if parsed.tzinfo is not None:
        raise ValueError(f"{name} must be a local time, without a time zone")
    return parsed
