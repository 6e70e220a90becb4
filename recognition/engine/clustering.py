"""Grouping unknown faces by person: a full clustering and the incremental step that keeps it up to date.

Full run (:func:`cluster_encodings`): Chinese whispers (Biemann 2006, the algorithm behind dlib's
``chinese_whispers_clustering``) on the graph that links two faces closer than ``threshold``, in numpy:

1. The graph is built a chunk of rows at a time from float32 matrix products (``||a||^2 + ||b||^2 - 2 a.b``), so
   the 10,000 x 10,000 distances never exist at once; only the pairs under the threshold are kept (an edge list).
2. Every face starts as its own label; in each round the faces, in a seeded random order cut into
   ``_BLOCKS`` blocks, take the label of the largest weight among their neighbours (an edge weighs
   ``1 - distance / threshold``, so a few faces of another person just under the threshold do not outvote a
   close-knit group) (ties broken by a seeded hash, so runs are
   reproducible). A block is updated at once (one ``np.unique`` over its edges) instead of face by face as dlib
   does: with a few dozen blocks per round this behaves like the sequential algorithm (no oscillation between two
   labels) at numpy speed. Rounds stop when no label changes.

Chinese whispers, unlike connected components (single linkage), does not chain two people together through one
pair of faces that happen to be close: a face follows the majority of its neighbours.

Incremental step (:func:`assign_incrementally`): each new face joins the group whose centroid (the mean of its
members) is nearest, if within ``threshold``, and that centroid moves (running mean); otherwise it opens a group
of its own, which later new faces may join. A group's centroid is nearer to its members than they are to each
other (about 1/sqrt(2) of the pairwise distance), so the same threshold admits a person's new face and still
keeps other people (0.6 and more from any face of the group) out. Groups are never merged here: a full run
(``manage.py recluster_faces``) redraws them.

Everything is deterministic for a given input and seed. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_THRESHOLD",
    "Assignment",
    "assign_incrementally",
    "centroids_of",
    "cluster_encodings",
    "nearest_centroid",
    "neighbour_graph",
]

#: Two faces closer than this are linked (REVIEW_CLUSTER_DISTANCE's default).
DEFAULT_THRESHOLD = 0.45
#: Rows of the distance matrix computed at once: 1024 x 10,000 float32 is 40 MB at most.
_CHUNK = 1024
#: Blocks a round is cut into (see the module's docstring), and most rounds run.
_BLOCKS = 32
_MAX_ROUNDS = 60

Float = NDArray[np.float32]
Labels = NDArray[np.int64]


def _as_matrix(encodings: ArrayLike) -> Float:
    matrix = np.asarray(encodings, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1) if matrix.size else matrix.reshape(0, 128)
    return np.ascontiguousarray(matrix)


def neighbour_graph(
    encodings: ArrayLike, threshold: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Both directions of every edge (i, j), i != j, between faces closer than ``threshold``, sorted by i, and its
    weight ``1 - distance / threshold``: the closer two faces, the more one's label counts for the other."""
    matrix = _as_matrix(encodings)
    n = len(matrix)
    norms = np.einsum("ij,ij->i", matrix, matrix)
    limit = np.float32(threshold * threshold)
    sources, targets, weights = [], [], []
    for start in range(0, n, _CHUNK):
        block = matrix[start : start + _CHUNK]
        squared = norms[start : start + _CHUNK, None] + norms[None, :] - 2.0 * (block @ matrix.T)
        rows, columns = np.nonzero(squared < limit)
        rows += start
        keep = rows != columns
        rows, columns = rows[keep], columns[keep]
        sources.append(rows.astype(np.int64))
        targets.append(columns.astype(np.int64))
        distances = np.sqrt(np.maximum(squared[rows - start, columns], 0.0).astype(np.float64))
        weights.append(1.0 - distances / threshold)
    if not sources:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def _tie_breaker(nodes: NDArray[np.int64], labels: NDArray[np.int64], salt: int) -> NDArray[np.uint64]:
    """A seeded pseudo-random number per (node, label): which of equally voted labels a node takes."""
    with np.errstate(over="ignore"):
        x = nodes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= labels.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F) + np.uint64(salt)
        x ^= x >> np.uint64(29)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(32)
    return x


def cluster_encodings(
    encodings: ArrayLike, threshold: float = DEFAULT_THRESHOLD, *, seed: int = 0, max_rounds: int = _MAX_ROUNDS
) -> Labels:
    """A cluster number per face (0, 1, ... in the order of each cluster's first face)."""
    matrix = _as_matrix(encodings)
    n = len(matrix)
    if n == 0:
        return np.empty(0, np.int64)
    sources, targets, weights = neighbour_graph(matrix, threshold)
    labels = np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    block_of = np.empty(n, np.int64)
    for round_ in range(max_rounds):
        order = rng.permutation(n)
        block_of[order] = np.arange(n) * _BLOCKS // n
        block_of_edge = block_of[sources]
        by_block = np.argsort(block_of_edge, kind="stable")
        bounds = np.searchsorted(block_of_edge[by_block], np.arange(_BLOCKS + 1))
        changed = 0
        for block in range(_BLOCKS):
            edges = by_block[bounds[block] : bounds[block + 1]]
            if not len(edges):
                continue
            nodes, votes = sources[edges], labels[targets[edges]]
            pairs, inverse = np.unique(nodes * n + votes, return_inverse=True)
            counts = np.bincount(inverse.reshape(-1), weights=weights[edges])
            nodes, votes = pairs // n, pairs % n
            # Per node, the most voted label; among equals, the one the seeded hash ranks first.
            ranked = np.lexsort((_tie_breaker(nodes, votes, seed * 7919 + round_), -counts, nodes))
            nodes, votes = nodes[ranked], votes[ranked]
            first = np.ones(len(nodes), bool)
            first[1:] = nodes[1:] != nodes[:-1]
            winners, chosen = nodes[first], votes[first]
            changed += int(np.count_nonzero(labels[winners] != chosen))
            labels[winners] = chosen
        if not changed:
            break
    _, first_seen, renumbered = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_seen))  # cluster numbers by their first face
    return order[renumbered].astype(np.int64)


def centroids_of(encodings: ArrayLike, labels: ArrayLike) -> tuple[Float, NDArray[np.int64]]:
    """The mean encoding and the size of each cluster 0..max(labels)."""
    matrix = _as_matrix(encodings)
    labels = np.asarray(labels, dtype=np.int64)
    count = int(labels.max()) + 1 if len(labels) else 0
    sizes = np.bincount(labels, minlength=count).astype(np.int64)
    sums = np.zeros((count, matrix.shape[1]), np.float64)
    np.add.at(sums, labels, matrix)
    return (sums / np.maximum(sizes, 1)[:, None]).astype(np.float32), sizes


def nearest_centroid(centroids: ArrayLike, encoding: ArrayLike, threshold: float) -> tuple[int, float] | None:
    """(index, distance) of the centroid nearest to ``encoding`` if within ``threshold``, else None."""
    matrix = _as_matrix(centroids)
    if not len(matrix):
        return None
    query = np.asarray(encoding, dtype=np.float32).reshape(-1)
    distances = np.linalg.norm(matrix - query, axis=1)
    best = int(np.argmin(distances))
    return (best, float(distances[best])) if distances[best] < threshold else None


@dataclass(frozen=True, slots=True)
class Assignment:
    """What :func:`assign_incrementally` decided. ``labels[i]`` is new face i's group: an index into ``centroids``,
    where indexes from ``existing`` on are groups the new faces opened."""

    labels: Labels
    centroids: Float
    sizes: NDArray[np.int64]
    existing: int

    @property
    def opened(self) -> int:
        return len(self.centroids) - self.existing


def assign_incrementally(
    centroids: ArrayLike, sizes: ArrayLike, encodings: ArrayLike, threshold: float = DEFAULT_THRESHOLD
) -> Assignment:
    """Put each new face, in order, into the group with the nearest centroid within ``threshold`` (moving that
    centroid: the running mean) or into a new group. The inputs are not modified."""
    existing = _as_matrix(centroids)
    faces = _as_matrix(encodings)
    k, n = len(existing), len(faces)
    dims = faces.shape[1] if n else (existing.shape[1] if k else 128)
    # Room for every face opening a group: no reallocation in the loop.
    means = np.zeros((k + n, dims), np.float64)
    means[:k] = existing
    counts = np.zeros(k + n, np.int64)
    counts[:k] = np.asarray(sizes, dtype=np.int64).reshape(-1)
    labels = np.empty(n, np.int64)
    used = k
    limit = threshold * threshold
    for index, face in enumerate(faces.astype(np.float64)):
        if used:
            squared = np.einsum("ij,ij->i", means[:used] - face, means[:used] - face)
            best = int(np.argmin(squared))
            if squared[best] < limit:
                counts[best] += 1
                means[best] += (face - means[best]) / counts[best]
                labels[index] = best
                continue
        means[used], counts[used] = face, 1
        labels[index] = used
        used += 1
    return Assignment(labels, means[:used].astype(np.float32), counts[:used], k)
