"""The face groups' centroids, kept in memory per process as one matrix with each group's decision.

It serves both lookups of a new face: the group it belongs to (review_groups.nearest_group) and whether staff said
its person is not a student (unknown_faces.is_not_a_student, asked by the cameras' processor threads for every
unknown face they announce). One version number in the cache covers every group: whoever creates, deletes or
decides a group, or moves its centroid, bumps :data:`GROUPS_VERSION` once that commits; each process builds the
matrix again on its next lookup.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recognition.models import FaceGroup, unpack_encodings
from recognition.services.versions import VersionCounter

#: Bumped (on commit) after creating, deleting or deciding a group, or changing its centroid.
GROUPS_VERSION = VersionCounter("recognition:face-groups-version")


@dataclass(frozen=True)
class GroupCentroids:
    version: int
    pks: NDArray[np.int64]  # every group, in pk order
    centroids: NDArray[np.float32]  # one row per group of `pks`
    not_a_student: NDArray[np.float32]  # the rows of the groups decided "not a student"


_lock = threading.Lock()
_built: GroupCentroids | None = None


def group_centroids() -> GroupCentroids:
    """The centroids of the current version (built again when another process or transaction bumped it)."""
    global _built
    version = GROUPS_VERSION.current()
    with _lock:
        built = _built
    if built is not None and built.version == version:
        return built
    # Built outside the lock: a processor thread never waits on another thread's query. Two threads may both build
    # one version; either result is right. The version is read before the rows, so rows newer than it only cost
    # one more build.
    rows = list(FaceGroup.objects.order_by("pk").values_list("pk", "centroid", "decision"))
    centroids = unpack_encodings(row[1] for row in rows)
    not_a_student = np.array([row[2] == FaceGroup.Decision.NOT_A_STUDENT for row in rows], dtype=bool)
    built = GroupCentroids(
        version=version,
        pks=np.array([row[0] for row in rows], np.int64),
        centroids=centroids,
        not_a_student=centroids[not_a_student],
    )
    with _lock:
        _built = built
    return built


def forget_group_centroids() -> None:
    """Build the matrix again on the next lookup, whatever the version (a group in it was found deleted)."""
    global _built
    with _lock:
        _built = None
