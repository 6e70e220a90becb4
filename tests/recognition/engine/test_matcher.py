"""Matcher returns exactly what brute force face_recognition.face_distance would, only faster."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Collection, Sequence

import face_recognition
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.engine import DEFAULT_MARGIN, DEFAULT_TOLERANCE, FaceMatches, Matcher, similarity_percent
from tests.recognition.engine.conftest import Face

FacesGetter = Callable[[str], list[Face]]


def brute_force(
    student_ids: Sequence[int],
    encodings: NDArray[np.floating],
    query: NDArray[np.floating],
    top_k: int,
    scope: Collection[int] | None = None,
) -> list[tuple[int, float]]:
    """The obvious implementation: every distance, best per student, sort by (distance, id)."""
    distances = face_recognition.face_distance(np.asarray(encodings, dtype=np.float64), np.asarray(query, np.float64))
    best: dict[int, float] = {}
    for student, value in zip(student_ids, distances.tolist(), strict=True):
        if scope is not None and student not in scope:
            continue
        if student not in best or value < best[student]:
            best[student] = value
    return sorted(best.items(), key=lambda item: (item[1], item[0]))[:top_k]


def as_pairs(result: FaceMatches) -> list[tuple[int, float]]:
    return [(candidate.student_id, candidate.distance) for candidate in result.candidates]


def synthetic(
    rng: np.random.Generator, students: int, rows: int, dtype: type[np.floating] = np.float32
) -> tuple[NDArray[np.int64], NDArray[np.floating], NDArray[np.float64]]:
    """Encodings shaped like dlib's: a shared offset, a centre per student, noise per photo (0.35 / 0.8 apart)."""
    common = rng.normal(0.0, 0.11, 128)
    centres = common + rng.normal(0.0, 0.0475, (students, 128))
    ids = rng.permutation(np.concatenate([np.arange(students), rng.integers(0, students, rows - students)]))
    encodings = (centres[ids] + rng.normal(0.0, 0.0237, (rows, 128))).astype(dtype)
    return (ids * 10 + 3).astype(np.int64), encodings, centres


@pytest.mark.parametrize(
    ("seed", "students", "rows", "top_k", "dtype"),
    [
        (1, 5, 12, 3, np.float32),
        (2, 300, 800, 1, np.float32),
        (3, 3000, 8000, 3, np.float64),
        (4, 8000, 20000, 5, np.float32),
        (5, 20000, 50000, 10, np.float64),
    ],
)
def test_candidates_are_identical_to_brute_force_face_distance(
    seed: int, students: int, rows: int, top_k: int, dtype: type[np.floating]
) -> None:
    rng = np.random.default_rng(seed)
    ids, encodings, centres = synthetic(rng, students, rows, dtype)
    queries = np.vstack(
        [
            encodings[rng.integers(0, rows, 3)],  # an enrolled photo itself: distance 0
            centres[rng.integers(0, students, 4)] + rng.normal(0, 0.0237, (4, 128)),  # a new photo of a student
            rng.normal(0, 0.11, (3, 128)) + centres.mean(axis=0),  # strangers
        ]
    )

    results = Matcher(ids, encodings).match(queries, top_k=top_k)

    assert len(results) == len(queries)
    for query, result in zip(queries, results, strict=True):
        assert as_pairs(result) == brute_force(ids.tolist(), encodings, query, top_k)  # exact float equality


def test_exact_ties_are_broken_by_student_id() -> None:
    rng = np.random.default_rng(7)
    ids, encodings, _ = synthetic(rng, 4000, 10000)
    duplicated = rng.choice(len(ids), 40, replace=False)
    encodings[duplicated] = encodings[0]  # 40 other rows (of many students) at exactly the same place

    results = Matcher(ids, encodings).match(encodings[0], top_k=8)

    expected = brute_force(ids.tolist(), encodings, encodings[0], 8)
    assert as_pairs(results[0]) == expected
    assert [distance for _, distance in expected] == [0.0] * 8
    assert [student for student, _ in expected] == sorted(student for student, _ in expected)


@pytest.mark.parametrize("top_k", [1, 2, 3, 7])
def test_scopes_restrict_the_search_to_a_roster_exactly_like_filtering_brute_force(top_k: int) -> None:
    rng = np.random.default_rng(11)
    ids, encodings, centres = synthetic(rng, 5000, 12000)
    matcher = Matcher(ids, encodings)
    roster = set(rng.choice(np.unique(ids), 30, replace=False).tolist()) | {-1, 999_999_999}  # unknown ids ignored
    queries = centres[rng.integers(0, 5000, 6)] + rng.normal(0, 0.0237, (6, 128))

    for query, result in zip(queries, matcher.match(queries, top_k=top_k, scope=roster), strict=True):
        assert as_pairs(result) == brute_force(ids.tolist(), encodings, query, top_k, scope=roster)
        assert all(candidate.student_id in roster for candidate in result.candidates)


def test_a_scope_sub_index_is_built_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    ids, encodings, _ = synthetic(rng, 500, 1500)
    matcher = Matcher(ids, encodings)
    builds: list[int] = []
    real_subset = type(matcher._index).subset

    def counting_subset(self: object, wanted: NDArray[np.int64]) -> object:
        builds.append(len(wanted))
        return real_subset(self, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(type(matcher._index), "subset", counting_subset)
    roster = [int(ids[0]), int(ids[1]), int(ids[2])]

    first = matcher.match(encodings[:2], scope=roster)
    second = matcher.match(encodings[:2], scope=list(reversed(roster)) + roster)  # same set, other order

    assert builds == [3]
    assert [as_pairs(r) for r in first] == [as_pairs(r) for r in second]


def test_an_empty_scope_or_an_empty_index_yields_unknown_faces_without_candidates() -> None:
    query = np.full(128, 0.05)
    empty = Matcher.empty(version="v0")
    rng = np.random.default_rng(3)
    ids, encodings, _ = synthetic(rng, 10, 20)

    for result in (*empty.match(np.vstack([query, query])), *Matcher(ids, encodings).match(query, scope=[])):
        assert result == FaceMatches(candidates=(), match=None)
    assert len(empty) == 0 and empty.num_students == 0 and empty.version == "v0"


def test_query_shapes_one_vector_a_batch_and_no_queries() -> None:
    rng = np.random.default_rng(4)
    ids, encodings, _ = synthetic(rng, 50, 120)
    matcher = Matcher(ids, encodings)

    assert len(matcher.match(encodings[0])) == 1
    assert len(matcher.match(encodings[:7])) == 7
    assert matcher.match(np.empty((0, 128))) == []
    assert as_pairs(matcher.match(encodings[5])[0]) == as_pairs(matcher.match(encodings[:9])[5])
    with pytest.raises(ValueError, match="shape"):
        matcher.match(np.zeros((2, 127)))
    with pytest.raises(ValueError, match="NaN"):
        matcher.match(np.full(128, np.nan))
    with pytest.raises(ValueError, match="top_k"):
        matcher.match(encodings[0], top_k=0)


def test_building_an_index_validates_its_input() -> None:
    with pytest.raises(ValueError, match="student ids"):
        Matcher([1, 2], np.zeros((3, 128)))
    with pytest.raises(ValueError, match="NaN"):
        Matcher([1], np.full((1, 128), np.inf))
    with pytest.raises(ValueError, match="integers"):
        Matcher(np.array([1.5]), np.zeros((1, 128)))
    with pytest.raises(ValueError, match="tolerance"):
        Matcher([1], np.zeros((1, 128)), tolerance=0)


def two_students_near(query: NDArray[np.float64], first: float, second: float) -> Matcher:
    """Student 1 at distance ``first`` from ``query``, student 2 at ``second``, student 3 far away."""
    direction = np.zeros(128)
    direction[0] = 1.0
    other = np.zeros(128)
    other[1] = 1.0
    encodings = np.vstack([query + first * direction, query + second * other, query + 0.9 * direction])
    return Matcher([1, 2, 3], encodings)


def test_a_face_within_tolerance_and_clear_of_the_runner_up_is_matched() -> None:
    query = np.full(128, 0.1)

    result = two_students_near(query, 0.30, 0.30 + DEFAULT_MARGIN + 0.01).match(query)[0]

    assert result.match is not None and result.match.student_id == 1
    assert result.match == result.candidates[0]
    assert result.match.distance == pytest.approx(0.30, abs=1e-12)


def test_an_ambiguous_face_stays_unknown_because_of_the_margin_rule() -> None:
    query = np.full(128, 0.1)
    matcher = two_students_near(query, 0.30, 0.30 + DEFAULT_MARGIN - 0.01)

    result = matcher.match(query)[0]
    only_best = matcher.match(query, top_k=1)[0]  # the rule looks at the runner-up even when it is not returned

    assert result.match is None and [c.student_id for c in result.candidates] == [1, 2, 3]
    assert only_best.match is None and len(only_best.candidates) == 1
    assert matcher.match(query, margin=0.0)[0].match is not None


def test_a_face_beyond_tolerance_stays_unknown_but_its_near_misses_are_listed() -> None:
    query = np.full(128, 0.1)
    matcher = two_students_near(query, 0.55, 0.8)

    result = matcher.match(query)[0]

    assert result.match is None
    assert [c.student_id for c in result.candidates] == [1, 2, 3]  # top-k regardless of the tolerance
    assert matcher.match(query, tolerance=0.6)[0].match is not None


def test_a_single_enrolled_student_has_no_runner_up_to_be_ambiguous_with() -> None:
    query = np.full(128, 0.1)
    encoding = query.copy()
    encoding[0] += 0.2

    result = Matcher([42], encoding[np.newaxis, :]).match(query, top_k=3)[0]

    assert result.match is not None and result.match.student_id == 42 and len(result.candidates) == 1


def test_several_photos_of_one_student_count_once_with_the_best_distance() -> None:
    query = np.full(128, 0.1)
    offsets = [0.45, 0.2, 0.35]
    encodings = []
    for offset in offsets:
        encoding = query.copy()
        encoding[0] += offset
        encodings.append(encoding)
    far = query.copy()
    far[1] += 0.7
    encodings.append(far)

    result = Matcher([5, 5, 5, 6], np.vstack(encodings)).match(query)[0]

    assert [(c.student_id, round(c.distance, 9)) for c in result.candidates] == [(5, 0.2), (6, 0.7)]


def test_similarity_is_a_percentage_that_falls_with_distance_and_is_50_at_the_tolerance() -> None:
    distances = np.linspace(0.0, 2.0, 201)
    values = [similarity_percent(float(d), 0.5) for d in distances]

    assert all(0.0 <= value <= 100.0 for value in values)
    assert all(a > b for a, b in itertools.pairwise(values) if b > 0)
    assert similarity_percent(0.5, 0.5) == 50.0 and similarity_percent(0.4, 0.4) == 50.0
    assert similarity_percent(0.25, 0.5) == pytest.approx(100 / (1 + math.exp(-3)))
    assert similarity_percent(1e6, 0.5) == 0.0


def test_candidate_similarity_follows_the_tolerance_of_the_call() -> None:
    query = np.full(128, 0.1)
    matcher = two_students_near(query, 0.4, 0.8)

    assert matcher.match(query)[0].candidates[0].similarity == pytest.approx(similarity_percent(0.4, DEFAULT_TOLERANCE))
    assert matcher.match(query, tolerance=0.4)[0].candidates[0].similarity == pytest.approx(50.0)


def test_real_encodings_obama2_matches_obama_and_biden_is_unknown(fixture_faces: FacesGetter) -> None:
    enrolled = {1: "obama.jpg", 2: "biden.jpg", 3: "lin-manuel-miranda.png", 4: "alex-lacamoire.png"}
    matcher = Matcher(list(enrolled), np.vstack([fixture_faces(name)[0][1] for name in enrolled.values()]))
    without_biden = Matcher([1, 3, 4], np.vstack([fixture_faces(enrolled[i])[0][1] for i in (1, 3, 4)]))

    obama2 = fixture_faces("obama2.jpg")[0][1]
    biden_in_group = sorted(fixture_faces("two_people.jpg"), key=lambda face: face[0].left)[1][1]

    obama2_match = matcher.match(obama2)[0].match
    assert obama2_match is not None and obama2_match.student_id == 1 and obama2_match.distance < DEFAULT_TOLERANCE
    biden_match = matcher.match(biden_in_group)[0].match
    assert biden_match is not None and biden_match.student_id == 2
    assert without_biden.match(biden_in_group)[0].match is None


def test_concurrent_queries_with_scopes_agree_with_sequential_ones() -> None:
    rng = np.random.default_rng(21)
    ids, encodings, centres = synthetic(rng, 3000, 8000)
    matcher = Matcher(ids, encodings)
    rosters = [set(rng.choice(np.unique(ids), 25, replace=False).tolist()) for _ in range(40)]  # > cache size
    queries = centres[rng.integers(0, 3000, 5)]
    expected = [[as_pairs(r) for r in matcher.match(queries, scope=roster)] for roster in rosters]
    failures: list[int] = []

    def work(offset: int) -> None:
        for step in range(len(rosters)):
            index = (step + offset) % len(rosters)
            if [as_pairs(r) for r in matcher.match(queries, scope=rosters[index])] != expected[index]:
                failures.append(index)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
