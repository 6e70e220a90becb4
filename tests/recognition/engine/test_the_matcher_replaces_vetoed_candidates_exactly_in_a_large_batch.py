"""Vetoed candidates are replaced by the exact next students, for every face of a batch, in an index large enough
for block pruning (over 4,096 rows) and a batch larger than one pass over the index handles (64 faces)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from recognition.engine import Matcher

STUDENTS = 3000
TOP_K = 3


def brute_force(
    ids: NDArray[np.int64],
    encodings: NDArray[np.float32],
    negative_ids: NDArray[np.int64],
    negatives: NDArray[np.float32],
    query: NDArray[np.float64],
) -> list[tuple[int, float]]:
    """Every distance; a student whose nearest negative is closer than their nearest photo is left out."""
    students = np.unique(ids)
    best = {int(s): float(np.linalg.norm(encodings[ids == s] - query, axis=1).min()) for s in students}
    nearest_negative = {
        int(s): float(np.linalg.norm(negatives[negative_ids == s] - query, axis=1).min())
        for s in np.unique(negative_ids)
    }
    kept = [(d, s) for s, d in best.items() if not nearest_negative.get(s, np.inf) < d]
    return [(s, d) for d, s in sorted(kept)[:TOP_K]]


def test_each_face_of_a_large_batch_gets_the_exact_next_students_after_its_vetoed_ones() -> None:
    rng = np.random.default_rng(11)
    centres = rng.normal(0.0, 0.11, 128) + rng.normal(0.0, 0.0475, (STUDENTS, 128))
    ids = np.repeat(np.arange(STUDENTS, dtype=np.int64) * 7 + 100, [2, 3] * (STUDENTS // 2))
    encodings = (centres[(ids - 100) // 7] + rng.normal(0.0, 0.0237, (ids.shape[0], 128))).astype(np.float32)
    assert encodings.shape[0] > 4096
    queries = centres[rng.integers(0, STUDENTS, 100)] + rng.normal(0.0, 0.0237, (100, 128))
    plain = Matcher(ids, encodings).match(queries, top_k=8)
    # Face i had its first i % 6 candidates rejected (a copy of the face kept as their negative): 0 to 5, so
    # some faces need students from deeper than the first pass looked, some need none.
    negative_ids: list[int] = []
    negatives: list[NDArray[np.float64]] = []
    for number, (query, result) in enumerate(zip(queries, plain, strict=True)):
        for candidate in result.candidates[: number % 6]:
            negative_ids.append(candidate.student_id)
            negatives.append(query + rng.normal(0.0, 0.001, 128))
    negative_array = np.vstack(negatives).astype(np.float32)
    negative_id_array = np.array(negative_ids, dtype=np.int64)
    corrected = Matcher(ids, encodings, negative_student_ids=negative_id_array, negative_encodings=negative_array)

    results = corrected.match(queries, top_k=TOP_K)

    for query, result in zip(queries, results, strict=True):
        got = [(candidate.student_id, candidate.distance) for candidate in result.candidates]
        assert got == brute_force(ids, encodings, negative_id_array, negative_array, query)
    # Face 5 lost its first five students: its answer comes from beyond the plain top three.
    assert [c.student_id for c in results[5].candidates] == [c.student_id for c in plain[5].candidates[5:8]]
