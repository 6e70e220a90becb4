"""Between the two students of a look-alike pair the best must win by MATCH_MARGIN + LOOKALIKE_EXTRA_MARGIN.

Real fixtures: Barack Obama enrolled as two students (obama.jpg; the group photo two_people.jpg), 0.32 apart. His
obama2.jpg is 0.34 from the first and 0.43 from the second: 0.09 clear, enough for the plain margin (0.05), not
for a look-alike pair's (0.10).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import DEFAULT_LOOKALIKE_EXTRA_MARGIN, DEFAULT_MARGIN, Matcher
from tests.recognition.engine.conftest import Face

FacesGetter = Callable[[str], list[Face]]

OBAMA_A, OBAMA_B, BIDEN, LIN = 1, 2, 3, 4


@pytest.fixture
def enrolled(fixture_faces: FacesGetter) -> tuple[list[int], NDArray[np.float32]]:
    obama = fixture_faces("obama.jpg")[0][1]
    group_obama = min(
        (encoding for _box, encoding in fixture_faces("two_people.jpg")),
        key=lambda encoding: float(np.linalg.norm(encoding - obama)),
    )
    rows = [obama, group_obama, fixture_faces("biden.jpg")[0][1], fixture_faces("lin-manuel-miranda.png")[0][1]]
    return [OBAMA_A, OBAMA_B, BIDEN, LIN], np.vstack(rows)


def test_a_face_clear_of_the_plain_margin_but_not_of_the_look_alike_margin_stays_unknown(
    fixture_faces: FacesGetter, enrolled: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = enrolled
    query = fixture_faces("obama2.jpg")[0][1]
    [plain] = Matcher(ids, encodings).match(query)
    assert plain.match is not None and plain.match.student_id == OBAMA_A
    lead = plain.candidates[1].distance - plain.candidates[0].distance
    assert DEFAULT_MARGIN <= lead < DEFAULT_MARGIN + DEFAULT_LOOKALIKE_EXTRA_MARGIN

    [paired] = Matcher(ids, encodings, lookalike_pairs=[(OBAMA_A, OBAMA_B)]).match(query)

    assert paired.match is None
    assert paired.candidates == plain.candidates  # the candidates are still listed


def test_a_face_clear_of_the_look_alike_margin_still_matches(
    fixture_faces: FacesGetter, enrolled: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = enrolled
    matcher = Matcher(ids, encodings, lookalike_pairs=[(OBAMA_A, OBAMA_B)])

    [result] = matcher.match(fixture_faces("obama_small.jpg")[0][1])  # 0.07 from obama.jpg, 0.32 from the other

    assert result.match is not None and result.match.student_id == OBAMA_A


def test_a_pair_of_other_students_asks_nothing_more(
    fixture_faces: FacesGetter, enrolled: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = enrolled

    [result] = Matcher(ids, encodings, lookalike_pairs=[(BIDEN, LIN)]).match(fixture_faces("obama2.jpg")[0][1])

    assert result.match is not None and result.match.student_id == OBAMA_A


def test_the_look_alike_counts_even_when_others_rank_between() -> None:
    """The partner is third: the second student is clear by the plain margin, the partner not by the larger one."""
    base = np.zeros(128)
    unit = np.eye(128)
    ids = [1, 2, 3]
    encodings = np.vstack([base + 0.30 * unit[0], base + 0.36 * unit[1], base + 0.38 * unit[2]])
    query = base

    [plain] = Matcher(ids, encodings).match(query, top_k=1)
    [paired] = Matcher(ids, encodings, lookalike_pairs=[(3, 1)]).match(query, top_k=1)
    [looser] = Matcher(ids, encodings, lookalike_pairs=[(3, 1)]).match(query, top_k=1, margin=0.02)

    assert plain.match is not None and plain.match.student_id == 1
    assert paired.match is None  # 0.38 - 0.30 < 0.05 + 0.05
    assert looser.match is not None and looser.match.student_id == 1  # 0.08 >= 0.02 + 0.05
