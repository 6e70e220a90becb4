"""In-memory nearest-student search over face encodings.

How a query runs (one float32 pass over the index, then exact float64 work on a handful of rows):

1. Rows are kept grouped by student (sorted by id) with their squared norms precomputed. A float32 matrix product
   gives ``||e||^2 - 2 q.e`` for every row (``||q||^2`` is a per-query constant), a chunk of rows at a time so the
   scratch buffer stays ~1 MB and in cache whatever the index size.
2. The float32 error is bounded (see ``_UNIT_ROUNDOFF``), so a threshold can be found that provably keeps every row
   that might belong to the exact top-k students: with ``m`` = most rows of any one student, the ``L = k * m``
   smallest block minima (blocks of ``_BLOCK`` rows; single rows for small indexes) are ``L`` distinct rows
   covering at least ``k`` students, so the k-th best student is at most the L-th smallest block minimum; add
   twice the error bound. Only the few blocks whose minimum passes are looked into.
3. The surviving rows (usually a few dozen) get their exact float64 Euclidean distance, computed like
   ``face_recognition.face_distance`` does, are reduced to the best distance per student and sorted by
   (distance, student id). A student whose rows were only partly kept can only look worse than it is, and such a
   student was not in the top-k anyway, so the result is identical to brute force, distances included (bit for
   bit: the tests and bench/matcher.py check it).

Steps 1-2 are O(n) vectorised numpy with no per-student Python loop, and nothing sorts the whole index.

Staff corrections (both optional; a matcher without them takes none of this work):

- Negative examples: faces staff said are *not* a given student. A candidate student with a negative closer to the
  face than the student's own nearest enrolled encoding is dropped from the answer (candidates, margin and
  match): the next student must then pass tolerance and margin on their own. Only the few candidates' negatives
  are measured (exactly, in float64); when candidates are dropped, the next ones are read deeper from the same
  block minima (no second pass over the index).
- Look-alike pairs: between the two students of a pair the best must beat the other by ``margin +
  lookalike_extra_margin`` (the other student's distance is measured exactly even when it is not among the
  candidates).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_LOOKALIKE_EXTRA_MARGIN",
    "DEFAULT_MARGIN",
    "DEFAULT_TOLERANCE",
    "DEFAULT_TOP_K",
    "SCOPE_CACHE_SIZE",
    "SIMILARITY_STEEPNESS",
    "Candidate",
    "FaceMatches",
    "Matcher",
    "similarity_percent",
]

#: Largest distance accepted as "same person". face_recognition suggests 0.6; 0.5 trades a few more "unknown"
#: faces for fewer wrong names, which matters more when an index holds a whole school.
DEFAULT_TOLERANCE = 0.5
#: The best student must beat the second-best *other* student by this much, otherwise the face stays unknown.
#: Same-person distances vary by ~0.05-0.1 between photos, so two students within 0.05 of a face cannot be told
#: apart from that face (twins, look-alikes, a student enrolled twice).
DEFAULT_MARGIN = 0.05
#: Extra margin asked between the two students of a look-alike pair (siblings, twins, a student enrolled twice).
DEFAULT_LOOKALIKE_EXTRA_MARGIN = 0.05
DEFAULT_TOP_K = 3
#: How many classroom sub-indexes are kept (and never more rows in total than the full index holds).
SCOPE_CACHE_SIZE = 32
#: Slope of the similarity curve, see :func:`similarity_percent`.
SIMILARITY_STEEPNESS = 6.0

_BLOCK = 32
# Up to this many rows, blocks are single rows: finding the L-th smallest of a few thousand values is cheaper than
# looking into blocks afterwards.
_SMALL_INDEX_ROWS = 4096
# Bound on |float32 approximation - exact| of ||e||^2 - 2 q.e, in units of (||q|| + max ||e||)^2: a float32 dot
# product of D terms errs by at most ~D*u*sum|q_i e_i| (u = 2^-24, any summation order, FMA included); rounding q
# and e to float32, the float32 norms and the final addition add ~5u. Doubled for safety; it costs nothing since it
# only widens the candidate set by ~1e-4 in squared distance.
_UNIT_ROUNDOFF = 2.0**-24
_EPS_SAFETY = 2.0
# Scratch per chunk of rows: 256k float32 = 1 MB (fits in L2 here), and queries handled per pass over the index.
_SCRATCH_FLOATS = 256 * 1024
_QUERY_CHUNK = 64


@dataclass(frozen=True, slots=True)
class Candidate:
    """A student near a query face. ``similarity`` is a display percentage, see :func:`similarity_percent`."""

    student_id: int
    distance: float
    similarity: float


@dataclass(frozen=True, slots=True)
class FaceMatches:
    """Result for one query face: the nearest students (best first) and the accepted match, if any."""

    candidates: tuple[Candidate, ...]
    match: Candidate | None


def similarity_percent(distance: float, tolerance: float = DEFAULT_TOLERANCE) -> float:
    """Map a distance to a 0-100 percentage: ``100 / (1 + exp(6 * (distance - tolerance) / tolerance))``.

    Logistic, strictly decreasing, exactly 50 at the tolerance; with tolerance 0.5: 0.25 -> 95, 0.35 -> 86,
    0.6 -> 23, 0.8 -> 3. Scaled by the tolerance so the curve follows a stricter or looser setting.
    """
    if tolerance <= 0:
        raise ValueError("tolerance must be positive")
    exponent = SIMILARITY_STEEPNESS * (distance - tolerance) / tolerance
    if exponent > 700.0:  # math.exp overflows a float at ~709.8
        return 0.0
    return 100.0 / (1.0 + math.exp(exponent))


class _Index:
    """Rows grouped by student id (ascending); immutable once built."""

    __slots__ = (
        "approx",
        "counts",
        "dim",
        "exact",
        "max_norm",
        "max_rows_per_student",
        "row_students",
        "sq_norms",
        "starts",
        "students",
    )

    def __init__(
        self,
        row_students: NDArray[np.int64],
        approx: NDArray[np.float32],
        exact: NDArray[np.float32] | NDArray[np.float64],
        sq_norms: NDArray[np.float32],
        max_norm: float,
    ) -> None:
        self.row_students = row_students
        self.approx = approx  # float32, C-contiguous, for the big matrix product
        self.exact = exact  # float32 (when the input was exactly float32) or float64: used for exact distances
        self.sq_norms = sq_norms
        self.max_norm = max_norm
        self.dim = approx.shape[1]
        n = row_students.shape[0]
        if n:
            boundaries = np.flatnonzero(row_students[1:] != row_students[:-1]) + 1
            self.starts: NDArray[np.intp] = np.concatenate(([0], boundaries)).astype(np.intp)
            self.counts: NDArray[np.intp] = np.diff(np.append(self.starts, n)).astype(np.intp)
            self.students: NDArray[np.int64] = row_students[self.starts]
            self.max_rows_per_student = int(self.counts.max())
        else:
            self.starts = np.empty(0, dtype=np.intp)
            self.counts = np.empty(0, dtype=np.intp)
            self.students = np.empty(0, dtype=np.int64)
            self.max_rows_per_student = 0
        for array in (self.row_students, self.approx, self.exact, self.sq_norms, self.starts, self.counts):
            array.flags.writeable = False

    @classmethod
    def build(cls, student_ids: ArrayLike, encodings: ArrayLike) -> _Index:
        ids = np.asarray(student_ids)
        if ids.ndim != 1:
            raise ValueError("student_ids must be one-dimensional")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"student_ids must be integers, got {ids.dtype}")
        ids = ids.astype(np.int64, copy=False)
        matrix = np.asarray(encodings)
        if matrix.ndim != 2 or matrix.shape[1] == 0:
            raise ValueError(f"encodings must have shape (n, dim), got {matrix.shape}")
        if matrix.shape[0] != ids.shape[0]:
            raise ValueError(f"{ids.shape[0]} student ids for {matrix.shape[0]} encodings")
        if not np.issubdtype(matrix.dtype, np.floating):
            matrix = matrix.astype(np.float64)
        if not np.isfinite(matrix).all():
            raise ValueError("encodings contain NaN or infinite values")
        # Stable sort keeps each student's rows in input order; grouping makes per-student work contiguous.
        order = np.argsort(ids, kind="stable")
        row_students = np.ascontiguousarray(ids[order])
        approx = np.ascontiguousarray(matrix[order], dtype=np.float32)
        exact: NDArray[np.float32] | NDArray[np.float64]
        if matrix.dtype == np.float32 or np.array_equal(approx, matrix[order]):
            exact = approx  # float32 values are exact in float64: no second copy needed (half the memory)
        else:
            exact = np.ascontiguousarray(matrix[order], dtype=np.float64)
        sq_norms64 = _squared_norms(exact)
        max_norm = float(math.sqrt(sq_norms64.max())) if sq_norms64.size else 0.0
        return cls(row_students, approx, exact, sq_norms64.astype(np.float32), max_norm)

    @property
    def num_rows(self) -> int:
        return int(self.row_students.shape[0])

    def subset(self, wanted: NDArray[np.int64]) -> _Index:
        """Sub-index with the rows of the students in ``wanted`` (sorted, unique; unknown ids are ignored)."""
        positions = np.searchsorted(self.students, wanted)
        positions = positions[positions < self.students.shape[0]]
        positions = positions[np.isin(self.students[positions], wanted)]
        rows = _concatenated_ranges(self.starts[positions], self.counts[positions])
        approx = self.approx[rows]
        exact = approx if self.exact is self.approx else self.exact[rows]
        sq_norms = self.sq_norms[rows]
        max_norm = float(math.sqrt(float(_squared_norms(exact).max()))) if rows.size else 0.0
        return _Index(self.row_students[rows], approx, exact, sq_norms, max_norm)

    @property
    def block(self) -> int:
        # Small indexes use blocks of one row: the threshold is then simply the L-th smallest row.
        return 1 if self.num_rows <= _SMALL_INDEX_ROWS else _BLOCK

    def prunes(self, k: int) -> bool:
        """Whether a top-``k`` search prunes; otherwise (tiny index, or one student with very many rows) pruning
        would keep most rows anyway and every row is measured exactly."""
        return k * self.max_rows_per_student * self.block * 4 < self.num_rows

    def search(self, queries: NDArray[np.float64], k: int) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
        """Exact top-``k`` (student ids, distances) per query row, sorted by (distance, id)."""
        results: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
        for first in range(0, queries.shape[0], _QUERY_CHUNK):
            scan = _Scan(self, queries[first : first + _QUERY_CHUNK], k)
            results.extend(scan.top_k(j) for j in range(scan.num_queries))
        return results

    def _block_minima(self, batch: NDArray[np.float32], layout: _BlockLayout) -> NDArray[np.float32]:
        """Per block, the smallest ``||e||^2 - 2 q.e`` for each query of ``batch``: shape (blocks, queries)."""
        width = batch.shape[0]
        minima = np.empty((layout.num_blocks, width), dtype=np.float32)
        # One small scratch buffer reused chunk after chunk: it stays in cache, and a fresh (n x q) matrix would
        # cost a page fault every 4 kB (which showed up as 3-4x slower batches at 1M rows).
        scratch = np.empty((layout.chunk_rows, width), dtype=np.float32)
        for chunk in range(layout.num_chunks):
            start = chunk * layout.chunk_rows
            stop = min(start + layout.chunk_rows, layout.num_rows)
            rows = stop - start
            blocks = -(-rows // layout.block)
            view = scratch[: blocks * layout.block]
            np.matmul(self.approx[start:stop], batch.T, out=view[:rows])
            view[:rows] += self.sq_norms[start:stop, np.newaxis]
            view[rows:] = np.inf
            # Block b of a chunk holds its rows b, b + blocks, b + 2 * blocks, ...: any partition of the rows works
            # for the bound, and this one makes the minima a reduction over the leading axis (element-wise minimum
            # of contiguous slices), several times faster than a minimum over each run of 32 rows.
            first_block = chunk * layout.blocks_per_chunk
            np.min(view.reshape(layout.block, blocks, width), axis=0, out=minima[first_block : first_block + blocks])
        return minima

    def _exact_top_k(
        self, rows: NDArray[np.intp], query: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        row_students = self.row_students[rows]
        # Same expression as face_recognition.face_distance (np.linalg.norm(encodings - query, axis=1)) on float64,
        # so the distances are bit-for-bit the reference ones.
        distances = np.linalg.norm(self.exact[rows] - query, axis=1)
        group_starts = np.flatnonzero(np.concatenate(([True], row_students[1:] != row_students[:-1])))
        best = np.minimum.reduceat(distances, group_starts)
        students = row_students[group_starts]
        order = np.lexsort((students, best))[:k]
        return students[order], best[order]


class _Scan:
    """One pass of an ``_Index`` over up to ``_QUERY_CHUNK`` queries (steps 1-2 of the module docstring): the block
    minima, and for ``k`` each query's limit and blocks. A deeper top of one query (when candidates were vetoed) is
    read from the same minima: no second pass over the index."""

    __slots__ = ("bounds", "eps", "hit_blocks", "index", "k", "layout", "limits", "minima", "queries", "scaled")

    def __init__(self, index: _Index, queries: NDArray[np.float64], k: int) -> None:
        self.index = index
        self.queries = queries
        self.k = min(k, int(index.students.shape[0]))
        self.minima: NDArray[np.float32] | None = None
        if self.k == 0 or not index.prunes(self.k):
            return
        # -2 folded into the float32 query: scaling by a power of two is exact.
        self.scaled = (queries * -2.0).astype(np.float32)
        query_norms = np.sqrt(np.einsum("ij,ij->i", queries, queries))
        self.eps = _EPS_SAFETY * (index.dim + 5) * _UNIT_ROUNDOFF * (query_norms + index.max_norm) ** 2
        self.layout = _BlockLayout(index.num_rows, queries.shape[0], index.block)
        self.minima = index._block_minima(self.scaled, self.layout)
        self.limits = self._limits(self.minima, self.k, self.eps)
        hit_queries, self.hit_blocks = np.nonzero((self.minima <= self.limits).T)  # grouped by query
        self.bounds = np.searchsorted(hit_queries, np.arange(queries.shape[0] + 1))

    @property
    def num_queries(self) -> int:
        return int(self.queries.shape[0])

    def _limits(self, minima: NDArray[np.float32], k: int, eps: NDArray[np.float64]) -> NDArray[np.float32]:
        rows_needed = k * self.index.max_rows_per_student
        kth = np.partition(minima, rows_needed - 1, axis=0)[rows_needed - 1]
        # Round the limit up to the next float32 so float32 comparisons never drop a needed row.
        return np.nextafter((kth.astype(np.float64) + 2.0 * eps).astype(np.float32), np.inf)

    def top_k(self, j: int, k: int | None = None) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Exact top-``k`` (default: the scan's) of query ``j``, sorted by (distance, id)."""
        index = self.index
        k = self.k if k is None else min(k, int(index.students.shape[0]))
        if k == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        if self.minima is None or not index.prunes(k):
            return index._exact_top_k(np.arange(index.num_rows), self.queries[j], k)
        if k == self.k:
            blocks = self.hit_blocks[self.bounds[j] : self.bounds[j + 1]]
            limit = self.limits[j]
        else:
            column = self.minima[:, j]
            limit = self._limits(column, k, self.eps[j : j + 1])[0]
            blocks = np.flatnonzero(column <= limit)
        rows = self.layout.rows_of(blocks)
        # Recomputed in float32 for these few rows; the same error bound holds, so the filter is safe.
        approx = index.approx[rows] @ self.scaled[j] + index.sq_norms[rows]
        return index._exact_top_k(rows[approx <= limit], self.queries[j], k)


class _BlockLayout:
    """How ``_Index._block_minima`` cuts ``num_rows`` rows into chunks and blocks (see there)."""

    __slots__ = (
        "block",
        "blocks_per_chunk",
        "chunk_rows",
        "last_chunk_blocks",
        "num_blocks",
        "num_chunks",
        "num_rows",
    )

    def __init__(self, num_rows: int, width: int, block: int) -> None:
        self.num_rows = num_rows
        self.block = block
        # About 1 MB of float32 scratch per chunk, whatever the number of queries; a multiple of the block size.
        self.chunk_rows = max(block, min(_SCRATCH_FLOATS // width, num_rows + block - 1) // block * block)
        self.blocks_per_chunk = self.chunk_rows // block
        self.num_chunks = -(-num_rows // self.chunk_rows)
        last_rows = num_rows - (self.num_chunks - 1) * self.chunk_rows
        self.last_chunk_blocks = -(-last_rows // block)
        self.num_blocks = (self.num_chunks - 1) * self.blocks_per_chunk + self.last_chunk_blocks

    def rows_of(self, blocks: NDArray[np.intp]) -> NDArray[np.intp]:
        """The row numbers (ascending) of the given blocks."""
        chunk, local = np.divmod(blocks, self.blocks_per_chunk)
        is_last = chunk == self.num_chunks - 1
        blocks_in_chunk = np.where(is_last, self.last_chunk_blocks, self.blocks_per_chunk)
        rows_in_chunk = np.where(is_last, self.num_rows - (self.num_chunks - 1) * self.chunk_rows, self.chunk_rows)
        offsets = np.arange(self.block)[np.newaxis, :] * blocks_in_chunk[:, np.newaxis] + local[:, np.newaxis]
        valid = offsets < rows_in_chunk[:, np.newaxis]
        rows = (chunk * self.chunk_rows)[:, np.newaxis] + offsets
        return np.sort(rows[valid])


class Matcher:
    """Nearest-student search over face encodings (several per student), immutable once built.

    ``version`` is an opaque label (e.g. the enrollment table's last change) that callers use to tell whether a
    cached matcher is stale; the matcher itself does not interpret it. Thread-safe.
    """

    def __init__(
        self,
        student_ids: Sequence[int] | NDArray[np.integer],
        encodings: ArrayLike,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        margin: float = DEFAULT_MARGIN,
        version: int | str | None = None,
        negative_student_ids: Sequence[int] | NDArray[np.integer] | None = None,
        negative_encodings: ArrayLike | None = None,
        lookalike_pairs: Iterable[tuple[int, int]] = (),
        lookalike_extra_margin: float = DEFAULT_LOOKALIKE_EXTRA_MARGIN,
    ) -> None:
        _check_tolerance_margin(tolerance, margin)
        if not lookalike_extra_margin >= 0:
            raise ValueError("lookalike_extra_margin must be >= 0")
        self.tolerance = float(tolerance)
        self.margin = float(margin)
        self.lookalike_extra_margin = float(lookalike_extra_margin)
        self.version = version
        self._index = _Index.build(student_ids, encodings)
        if (negative_student_ids is None) != (negative_encodings is None):
            raise ValueError("negative_student_ids and negative_encodings go together")
        self._negatives: _Index | None = None
        self._negative_rows: dict[int, tuple[int, int]] = {}
        if negative_student_ids is not None and negative_encodings is not None:
            negatives = _Index.build(negative_student_ids, negative_encodings)
            if negatives.num_rows and negatives.dim != self._index.dim:
                raise ValueError(f"negative encodings have {negatives.dim} dimensions, the index {self._index.dim}")
            if negatives.num_rows:
                self._negatives = negatives
                self._negative_rows = {
                    int(student): (int(start), int(start + count))
                    for student, start, count in zip(
                        negatives.students.tolist(), negatives.starts.tolist(), negatives.counts.tolist(), strict=True
                    )
                }
        partners: dict[int, set[int]] = {}
        for first, second in lookalike_pairs:
            first, second = int(first), int(second)
            if first != second:
                partners.setdefault(first, set()).add(second)
                partners.setdefault(second, set()).add(first)
        self._partners: dict[int, tuple[int, ...]] = {s: tuple(sorted(p)) for s, p in partners.items()}
        self._scopes: OrderedDict[bytes, _Index] = OrderedDict()
        self._scope_rows = 0
        self._lock = threading.Lock()

    @classmethod
    def empty(
        cls,
        *,
        dim: int = 128,
        tolerance: float = DEFAULT_TOLERANCE,
        margin: float = DEFAULT_MARGIN,
        version: int | str | None = None,
    ) -> Matcher:
        """A matcher with nobody enrolled: every face comes back unknown with no candidates."""
        return cls(
            np.empty(0, dtype=np.int64),
            np.empty((0, dim), dtype=np.float32),
            tolerance=tolerance,
            margin=margin,
            version=version,
        )

    def __repr__(self) -> str:
        return (
            f"Matcher(students={self.num_students}, encodings={self.num_encodings}, tolerance={self.tolerance}, "
            f"margin={self.margin}, negatives={self.num_negatives}, lookalike_pairs={self.num_lookalike_pairs}, "
            f"version={self.version!r})"
        )

    def __len__(self) -> int:
        return self._index.num_rows

    @property
    def num_encodings(self) -> int:
        return self._index.num_rows

    @property
    def num_students(self) -> int:
        return int(self._index.students.shape[0])

    @property
    def num_negatives(self) -> int:
        return 0 if self._negatives is None else self._negatives.num_rows

    @property
    def num_lookalike_pairs(self) -> int:
        return sum(len(partners) for partners in self._partners.values()) // 2

    @property
    def dim(self) -> int:
        return int(self._index.dim)

    @property
    def student_ids(self) -> NDArray[np.int64]:
        """Enrolled student ids, ascending, read-only."""
        return self._index.students

    def match(
        self,
        queries: ArrayLike,
        *,
        top_k: int = DEFAULT_TOP_K,
        scope: Collection[int] | None = None,
        tolerance: float | None = None,
        margin: float | None = None,
    ) -> list[FaceMatches]:
        """For each query encoding (rows of a (q, dim) array, or one (dim,) vector), the nearest students.

        ``candidates`` holds the ``top_k`` nearest students whatever their distance (so callers can show near
        misses), leaving out a student with a negative example closer to the face than the student's own nearest
        enrolled encoding; ``match`` is the first candidate only when its distance is <= ``tolerance`` and the next
        other candidate is at least ``margin`` further away (``margin + lookalike_extra_margin`` for the other
        student of a look-alike pair, wherever that student ranks). ``scope`` limits the search to those student
        ids (e.g. a classroom roster); sub-indexes are cached per scope.
        """
        tolerance = self.tolerance if tolerance is None else float(tolerance)
        margin = self.margin if margin is None else float(margin)
        _check_tolerance_margin(tolerance, margin)
        if top_k < 1:
            raise ValueError("top_k must be >= 1")
        matrix = np.asarray(queries, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix[np.newaxis, :]
        if matrix.ndim != 2 or matrix.shape[1] != self.dim:
            raise ValueError(f"queries must have shape (q, {self.dim}), got {np.shape(queries)}")
        if not np.isfinite(matrix).all():
            raise ValueError("queries contain NaN or infinite values")
        matrix = np.ascontiguousarray(matrix)
        if matrix.shape[0] == 0:
            return []
        index = self._index if scope is None else self._scoped_index(scope)
        # The margin rule needs the runner-up even when the caller only wants one candidate.
        wanted = max(top_k, 2)
        if self._negatives is None and not self._partners:
            found = index.search(matrix, wanted)
            return [_face_matches(students, distances, top_k, tolerance, margin) for students, distances in found]
        results = []
        for first in range(0, matrix.shape[0], _QUERY_CHUNK):
            scan = _Scan(index, matrix[first : first + _QUERY_CHUNK], wanted)
            for j, query in enumerate(scan.queries):
                students, distances = scan.top_k(j)
                if self._negatives is not None:
                    students, distances = self._without_vetoed(scan, j, students, distances, wanted)
                result = _face_matches(students, distances, top_k, tolerance, margin)
                if result.match is not None and result.match.student_id in self._partners:
                    if not self._clear_of_lookalikes(index, query, result.match, students, distances, margin):
                        result = FaceMatches(candidates=result.candidates, match=None)
                results.append(result)
        return results

    def _vetoed(self, query: NDArray[np.float64], student: int, distance: float) -> bool:
        """Whether one of ``student``'s negatives is closer to ``query`` than ``distance`` (their nearest face)."""
        rows = self._negative_rows.get(student)
        if rows is None or self._negatives is None:
            return False
        # Same float64 expression as the enrolled distances, so a negative equal to an enrolled face never vetoes.
        negative = np.linalg.norm(self._negatives.exact[rows[0] : rows[1]] - query, axis=1).min()
        return bool(negative < distance)

    def _without_vetoed(
        self,
        scan: _Scan,
        j: int,
        students: NDArray[np.int64],
        distances: NDArray[np.float64],
        wanted: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The first ``wanted`` candidates of query ``j`` not vetoed, deeper in the scan when too few remain."""
        query = scan.queries[j]
        vetoed: dict[int, bool] = {}  # a student's exact distance is the same at any depth
        depth = students.shape[0]
        while True:
            keep: list[int] = []
            for position, (student, distance) in enumerate(zip(students.tolist(), distances.tolist(), strict=True)):
                if student not in vetoed:
                    vetoed[student] = self._vetoed(query, student, distance)
                if not vetoed[student]:
                    keep.append(position)
                    if len(keep) == wanted:
                        return students[keep], distances[keep]
            if depth >= scan.index.students.shape[0] or students.shape[0] < depth:
                return students[keep], distances[keep]  # nobody else is left
            depth += wanted - len(keep)
            students, distances = scan.top_k(j, depth)

    def _clear_of_lookalikes(
        self,
        index: _Index,
        query: NDArray[np.float64],
        match: Candidate,
        students: NDArray[np.int64],
        distances: NDArray[np.float64],
        margin: float,
    ) -> bool:
        """Whether ``match`` beats each of its look-alikes (in ``index``, not vetoed) by the larger margin."""
        required = margin + self.lookalike_extra_margin
        listed = dict(zip(students.tolist(), distances.tolist(), strict=True))
        for partner in self._partners[match.student_id]:
            distance = listed.get(partner)
            if distance is None:
                if distances.shape[0] and distances[-1] - match.distance >= required:
                    continue  # every student not listed is at least this far
                distance = _nearest_of(index, partner, query)
                if distance is None or self._vetoed(query, partner, distance):
                    continue
            if distance - match.distance < required:
                return False
        return True

    def _scoped_index(self, scope: Collection[int]) -> _Index:
        wanted = np.unique(np.fromiter((int(student) for student in scope), dtype=np.int64, count=len(scope)))
        key = wanted.tobytes()
        with self._lock:
            cached = self._scopes.get(key)
            if cached is not None:
                self._scopes.move_to_end(key)
                return cached
        # Built outside the lock: two threads may build the same sub-index once, which is harmless.
        sub_index = self._index.subset(wanted)
        with self._lock:
            if key not in self._scopes:
                self._scopes[key] = sub_index
                self._scope_rows += sub_index.num_rows
            # Bounded both in entries and in memory (never more cached rows than the full index has).
            while self._scopes and (
                len(self._scopes) > SCOPE_CACHE_SIZE or self._scope_rows > max(self._index.num_rows, 1)
            ):
                _, evicted = self._scopes.popitem(last=False)
                self._scope_rows -= evicted.num_rows
        return sub_index


def _face_matches(
    students: NDArray[np.int64], distances: NDArray[np.float64], top_k: int, tolerance: float, margin: float
) -> FaceMatches:
    candidates = tuple(
        Candidate(student_id=int(student), distance=float(distance), similarity=similarity_percent(distance, tolerance))
        for student, distance in zip(students.tolist(), distances.tolist(), strict=True)
    )
    match = None
    if candidates and candidates[0].distance <= tolerance:
        runner_up = candidates[1].distance if len(candidates) > 1 else math.inf
        if runner_up - candidates[0].distance >= margin:
            match = candidates[0]
    return FaceMatches(candidates=candidates[:top_k], match=match)


def _nearest_of(index: _Index, student: int, query: NDArray[np.float64]) -> float | None:
    """Exact distance from ``query`` to ``student``'s nearest row of ``index`` (None: not in it)."""
    position = int(np.searchsorted(index.students, student))
    if position >= index.students.shape[0] or int(index.students[position]) != student:
        return None
    start = int(index.starts[position])
    stop = start + int(index.counts[position])
    return float(np.linalg.norm(index.exact[start:stop] - query, axis=1).min())


def _check_tolerance_margin(tolerance: float, margin: float) -> None:
    if not tolerance > 0:
        raise ValueError("tolerance must be positive")
    if not margin >= 0:
        raise ValueError("margin must be >= 0")


def _squared_norms(matrix: NDArray[np.float32] | NDArray[np.float64]) -> NDArray[np.float64]:
    """Row squared norms in float64, in slices so a 1M-row float32 index never needs a float64 copy."""
    out = np.empty(matrix.shape[0], dtype=np.float64)
    step = 65536
    for start in range(0, matrix.shape[0], step):
        block = matrix[start : start + step].astype(np.float64)
        out[start : start + step] = np.einsum("ij,ij->i", block, block)
    return out


def _concatenated_ranges(starts: NDArray[np.intp], counts: NDArray[np.intp]) -> NDArray[np.intp]:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`` without the Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    offsets = starts - (np.cumsum(counts) - counts)
    return (np.repeat(offsets, counts) + np.arange(total)).astype(np.intp)
