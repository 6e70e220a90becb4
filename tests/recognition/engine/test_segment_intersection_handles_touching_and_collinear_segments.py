"""Segments intersect when they cross, when one touches the other (an end on it, or a shared end), and when they
are collinear and overlap; collinear segments apart from each other, and parallel ones, do not."""

from __future__ import annotations

import pytest

from recognition.engine.analytics import Point, point_in_polygon, segments_intersect


@pytest.mark.parametrize(
    ("p1", "p2", "q1", "q2", "expected"),
    [
        ((0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0), True),  # an X
        ((0.0, 0.0), (1.0, 0.0), (0.5, 0.0), (0.5, 1.0), True),  # a T: an end on the other segment
        ((0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 1.0), True),  # a shared end
        ((0.0, 0.0), (0.6, 0.0), (0.4, 0.0), (1.0, 0.0), True),  # collinear, overlapping
        ((0.0, 0.0), (1.0, 0.0), (0.2, 0.0), (0.4, 0.0), True),  # collinear, one inside the other
        ((0.0, 0.0), (0.4, 0.0), (0.6, 0.0), (1.0, 0.0), False),  # collinear, apart
        ((0.0, 0.0), (1.0, 0.0), (0.0, 0.1), (1.0, 0.1), False),  # parallel
        ((0.0, 0.0), (1.0, 0.0), (0.5, 0.1), (0.5, 1.0), False),  # a T short of the bar
        ((0.0, 0.0), (1.0, 0.0), (1.5, -1.0), (1.5, 1.0), False),  # across the line, beyond the segment
        ((0.5, 0.0), (0.5, 0.0), (0.0, 0.0), (1.0, 0.0), True),  # a point on the segment
        ((0.5, 0.1), (0.5, 0.1), (0.0, 0.0), (1.0, 0.0), False),  # a point off it
    ],
)
def test_segment_intersection(p1: Point, p2: Point, q1: Point, q2: Point, expected: bool) -> None:
    assert segments_intersect(p1, p2, q1, q2) is expected
    assert segments_intersect(q1, q2, p1, p2) is expected  # symmetric
    assert segments_intersect(p2, p1, q2, q1) is expected  # whatever the direction


def test_point_in_polygon_by_ray_casting() -> None:
    l_shape = [(0.1, 0.1), (0.9, 0.1), (0.9, 0.5), (0.5, 0.5), (0.5, 0.9), (0.1, 0.9)]

    assert point_in_polygon((0.3, 0.3), l_shape)
    assert point_in_polygon((0.3, 0.8), l_shape)
    assert not point_in_polygon((0.7, 0.7), l_shape)  # the notch
    assert not point_in_polygon((0.95, 0.3), l_shape)
    assert not point_in_polygon((0.3, 0.5), [(0.0, 0.0), (1.0, 0.0), (1.0, 0.4)])  # level with a vertex
