"""Grouping the unknown faces by person (issue 15): who appears again and again without a name.

New faces join groups incrementally (:func:`cluster_new_faces`, queued after each commit that adds faces by
:func:`schedule_clustering`): each joins the group with the nearest centroid within REVIEW_CLUSTER_DISTANCE or
opens one, and the group's centroid (the mean of its members), size and last sighting move in the same
transaction. Nothing is reclustered on a page view. :func:`recluster_all` (``manage.py recluster_faces``) redraws
the groups from every face, keeping what staff decided. The algorithms are in recognition/engine/clustering.py.

One clustering runs at a time (a PostgreSQL advisory lock, held until its transaction ends; SQLite serialises
writers anyway), so two workers never assign a face twice, count it twice or open two groups for one new person;
the faces are also taken with SKIP LOCKED, so a face another transaction is writing waits for the next run.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from numpy.typing import NDArray

from recognition.engine.clustering import assign_incrementally, centroids_of, cluster_encodings
from recognition.models import FaceGroup, UnknownFace, pack_encoding, unpack_encoding, unpack_encodings
from recognition.services.group_centroids import GROUPS_VERSION, forget_group_centroids, group_centroids

logger = logging.getLogger(__name__)

#: New faces taken per transaction.
BATCH = 1000
#: Rows per UPDATE ... WHERE pk IN (...).
_UPDATE_CHUNK = 5000
#: The PostgreSQL advisory lock key of clustering ("face" in ASCII).
_LOCK_KEY = 0x66616365
#: Set while a clustering task is queued and not yet started: more new faces need no second task.
QUEUED_KEY = "recognition:face-clustering-queued"
#: How long that mark may live if its task is lost (a worker killed before starting it).
QUEUED_TTL_S = 60


def _threshold() -> float:
    return float(settings.REVIEW_CLUSTER_DISTANCE)


def _serialise() -> None:
    """Inside a transaction: wait for any other clustering to end (its transaction to commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


# --- scheduling -------------------------------------------------------------------------------------------------


def schedule_clustering() -> None:
    """Queue :func:`cluster_new_faces` once the current transaction commits (at once outside one). Embedded (no
    broker) it runs in-process; with a broker one queued task serves every face added before it starts."""
    transaction.on_commit(_queue)


def _queue() -> None:
    from recognition.tasks import cluster_new_faces as task

    if settings.CELERY_TASK_ALWAYS_EAGER or cache.add(QUEUED_KEY, 1, timeout=QUEUED_TTL_S):
        task.delay()


def clustering_started() -> None:
    """The task calls this first: faces committed from now on queue another run."""
    cache.delete(QUEUED_KEY)


# --- incremental ------------------------------------------------------------------------------------------------


def cluster_new_faces(*, batch: int = BATCH) -> int:
    """Put every face not yet clustered into its group; returns how many were. Idempotent: a clustered face is
    never taken again."""
    total = 0
    while True:
        done = _cluster_batch(batch)
        total += done
        if done < batch:
            return total


def _cluster_batch(batch: int) -> int:
    threshold = _threshold()
    with transaction.atomic():
        _serialise()
        faces = list(
            UnknownFace.objects.filter(clustered=False)
            .select_for_update(skip_locked=True)
            .order_by("seen_at", "pk")
            .values_list("pk", "encoding", "seen_at")[:batch]
        )
        if not faces:
            return 0
        groups = list(FaceGroup.objects.order_by("pk").values_list("pk", "centroid", "size"))
        assignment = assign_incrementally(
            unpack_encodings(row[1] for row in groups),
            [row[2] for row in groups],
            unpack_encodings(face[1] for face in faces),
            threshold,
        )
        members: dict[int, list[int]] = defaultdict(list)  # assignment index -> positions in `faces`
        for position, label in enumerate(assignment.labels.tolist()):
            members[label].append(position)
        encodings = unpack_encodings(face[1] for face in faces)

        joined = {groups[label][0]: positions for label, positions in members.items() if label < len(groups)}
        opened = [positions for label, positions in members.items() if label >= len(groups)]
        group_of: dict[int, list[int]] = {}  # group pk -> face pks
        # The groups as they are now, locked (pk order: no deadlock with other writers): a decision or a removal
        # may have happened since they were read; the new faces' sum is added to the locked values.
        for group in FaceGroup.objects.select_for_update().filter(pk__in=list(joined)).order_by("pk"):
            positions = joined.pop(group.pk)
            _add_members(group, encodings[positions], [faces[p][2] for p in positions])
            group.save(update_fields=["centroid", "size", "first_seen_at", "last_seen_at"])
            group_of[group.pk] = [faces[p][0] for p in positions]
        opened.extend(joined.values())  # groups deleted meanwhile: their faces open new ones
        for positions in opened:
            seen = [faces[p][2] for p in positions]
            group = FaceGroup.objects.create(
                centroid=pack_encoding(encodings[positions].mean(axis=0)),
                size=len(positions),
                first_seen_at=min(seen),
                last_seen_at=max(seen),
            )
            group_of[group.pk] = [faces[p][0] for p in positions]
        for group_pk, face_pks in group_of.items():
            UnknownFace.objects.filter(pk__in=face_pks).update(group_id=group_pk, clustered=True)
        GROUPS_VERSION.bump_on_commit()
        return len(faces)


def _add_members(group: FaceGroup, encodings: NDArray[np.float32], seen: list[datetime]) -> None:
    size = int(group.size)
    total = unpack_encoding(group.centroid).astype(np.float64) * size + encodings.astype(np.float64).sum(axis=0)
    group.size = size + len(encodings)
    group.centroid = pack_encoding(total / group.size)
    group.first_seen_at = min([group.first_seen_at, *seen]) if size else min(seen)
    group.last_seen_at = max([group.last_seen_at, *seen])


def refresh_groups(group_ids: Iterable[int]) -> None:
    """Inside a transaction, after faces left these groups: their size, centroid and sightings from the members
    left; an open group left empty is deleted (a decided one keeps its centroid and decision)."""
    ids = sorted(set(group_ids))
    if not ids:
        return
    for group in FaceGroup.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        rows = list(UnknownFace.objects.filter(group=group).values_list("encoding", "seen_at"))
        if not rows and group.decision == FaceGroup.Decision.OPEN:
            group.delete()
            continue
        group.size = len(rows)
        if rows:
            group.centroid = pack_encoding(unpack_encodings(row[0] for row in rows).mean(axis=0))
            group.first_seen_at = min(row[1] for row in rows)
            group.last_seen_at = max(row[1] for row in rows)
        group.save(update_fields=["centroid", "size", "first_seen_at", "last_seen_at"])
    GROUPS_VERSION.bump_on_commit()


# --- full rebuild -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reclustered:
    faces: int
    groups: int  # groups after the rebuild, decided ones included
    decided: int  # decided groups kept
    joined_decided: int  # faces that were not in a decided group and now are


def recluster_all(*, seed: int = 0) -> Reclustered:
    """Redraw the groups from every unknown face. A decided group (student, not a student, ignored) keeps its id,
    decision and faces, and takes the other faces near its centroid; the remaining faces are clustered afresh,
    each new cluster keeping the id of the open group most of its faces were in (so links to it stay valid)."""
    threshold = _threshold()
    with transaction.atomic():
        _serialise()
        faces = list(
            UnknownFace.objects.select_for_update().order_by("pk").values_list("pk", "encoding", "group_id", "seen_at")
        )
        groups = {group.pk: group for group in FaceGroup.objects.select_for_update().order_by("pk")}
        decided = [group for group in groups.values() if group.decision != FaceGroup.Decision.OPEN]
        decided_ids = {group.pk for group in decided}
        encodings = unpack_encodings(face[1] for face in faces)

        target: dict[int, int] = {}  # face position -> group pk
        free = [p for p, face in enumerate(faces) if face[2] not in decided_ids]
        for position, face in enumerate(faces):
            if face[2] in decided_ids:
                target[position] = face[2]
        joined_decided = 0
        if decided and free:
            centroids = unpack_encodings(group.centroid for group in decided)
            distances = np.linalg.norm(encodings[free][:, None, :] - centroids[None, :, :], axis=2)
            nearest = distances.argmin(axis=1)
            for row, position in enumerate(free):
                if distances[row, nearest[row]] < threshold:
                    target[position] = decided[nearest[row]].pk
                    joined_decided += 1
        rest = [p for p in free if p not in target]
        labels = cluster_encodings(encodings[rest], threshold, seed=seed) if rest else np.empty(0, np.int64)

        clusters: dict[int, list[int]] = defaultdict(list)
        for position, label in zip(rest, labels.tolist(), strict=True):
            clusters[label].append(position)
        # Old open group ids go to the clusters holding most of their faces, largest overlaps first.
        overlaps = sorted(
            (
                (count, -label, old)
                for label, positions in clusters.items()
                for old, count in Counter(faces[p][2] for p in positions).items()
                if old is not None and old not in decided_ids
            ),
            reverse=True,
        )
        kept: dict[int, int] = {}  # cluster label -> old open group pk
        taken: set[int] = set()
        for _count, negative_label, old in overlaps:
            if -negative_label not in kept and old not in taken:
                kept[-negative_label] = old
                taken.add(old)
        dropped = [pk for pk in groups if pk not in decided_ids and pk not in taken]
        FaceGroup.objects.filter(pk__in=dropped).delete()  # SET_NULL on their faces, which all get a group below
        for pk in dropped:
            del groups[pk]
        for label, positions in clusters.items():
            if label in kept:
                pk = kept[label]
            else:
                seen = [faces[p][3] for p in positions]
                created = FaceGroup.objects.create(
                    centroid=pack_encoding(np.zeros(128)), size=0, first_seen_at=min(seen), last_seen_at=max(seen)
                )
                groups[created.pk] = created
                pk = created.pk
            for position in positions:
                target[position] = pk

        by_group: dict[int, list[int]] = defaultdict(list)
        for position, pk in target.items():
            by_group[pk].append(position)
        for pk, group in groups.items():
            positions = by_group.get(pk, [])
            if positions:
                centroid, _sizes = centroids_of(encodings[positions], np.zeros(len(positions), np.int64))
                group.centroid = pack_encoding(centroid[0])
                seen = [faces[p][3] for p in positions]
                group.first_seen_at, group.last_seen_at = min(seen), max(seen)
            group.size = len(positions)  # a decided group without faces keeps its centroid (what it was decided on)
            group.save(update_fields=["centroid", "size", "first_seen_at", "last_seen_at"])
            face_pks = [faces[p][0] for p in positions]
            for start in range(0, len(face_pks), _UPDATE_CHUNK):
                chunk = face_pks[start : start + _UPDATE_CHUNK]
                UnknownFace.objects.filter(pk__in=chunk).update(group_id=pk, clustered=True)
        GROUPS_VERSION.bump_on_commit()
        return Reclustered(faces=len(faces), groups=len(groups), decided=len(decided), joined_decided=joined_decided)


# --- lookups ----------------------------------------------------------------------------------------------------


def nearest_group(encoding: NDArray[np.floating]) -> FaceGroup | None:
    """The group whose centroid is nearest to this face, if within REVIEW_CLUSTER_DISTANCE (any decision). The
    centroids stay in memory, one matrix per process, until a group changes (a version in the cache)."""
    for _attempt in range(2):
        built = group_centroids()
        pks, matrix = built.pks, built.centroids
        if not len(pks):
            return None
        query = np.asarray(encoding, dtype=np.float32).reshape(1, -1)
        distances = np.einsum("ij,ij->i", matrix - query, matrix - query)
        best = int(np.argmin(distances))
        if distances[best] >= _threshold() ** 2:
            return None
        group = FaceGroup.objects.filter(pk=int(pks[best])).first()
        if group is not None:
            return group
        forget_group_centroids()  # deleted since the matrix was built (the version bump not seen yet)
    return None
