"""Look-alike students: pairs whose nearest enrolled encodings are closer than MATCH_TOLERANCE + LOOKALIKE_MARGIN.

Recomputed when enrollments change (a photo becomes ready or goes away, consent is withdrawn), in a task after the
commit, never while answering a request. The distance is the matcher's: the exact float64 Euclidean distance
between float32 encodings (``face_recognition.face_distance``), the minimum over the two students' photos.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from recognition.models import FacePhoto, LookalikePair, unpack_encodings
from school.models import Enrollment
from school.services.consent import biometric_consent_q

logger = logging.getLogger(__name__)

#: Query rows per matrix product: a chunk x rows float64 block stays a few MB for a school of thousands of photos.
_CHUNK_ROWS = 512
#: Slack on the float64 Gram-matrix distance before the exact check: its rounding error is far below this.
_GRAM_SLACK = 1e-4


@dataclass(frozen=True)
class Recomputed:
    created: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def lookalike_threshold() -> float:
    return float(settings.MATCH_TOLERANCE + settings.LOOKALIKE_MARGIN)


def _usable_encodings() -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Student id per row and the rows (float64 of the stored float32), grouped by student (sorted by id)."""
    rows = [
        (student_id, bytes(encoding))
        for student_id, encoding in FacePhoto.objects.filter(
            biometric_consent_q("student__"), status=FacePhoto.Status.READY
        )
        .order_by("student_id", "pk")
        .values_list("student_id", "encoding")
        if encoding is not None
    ]
    ids = np.array([student_id for student_id, _encoding in rows], dtype=np.int64)
    return ids, unpack_encodings(encoding for _id, encoding in rows).astype(np.float64)


def _groups(ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """The distinct student ids of sorted `ids` and the index where each one's rows start."""
    if not len(ids):
        return ids, np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return ids[starts], starts


def close_pairs(
    ids: NDArray[np.int64], encodings: NDArray[np.float64], *, among: Collection[int] | None = None
) -> dict[tuple[int, int], float]:
    """{(a, b): distance} with a < b for every pair of students closer than the threshold; with `among`, only the
    pairs involving one of those students. Vectorised: one chunked matrix product, then min-reductions by student."""
    threshold = lookalike_threshold()
    students, starts = _groups(ids)
    if len(students) < 2:
        return {}
    query_mask = np.ones(len(ids), dtype=bool) if among is None else np.isin(ids, np.fromiter(among, np.int64))
    query_rows = np.flatnonzero(query_mask)
    if not len(query_rows):
        return {}
    norms = np.einsum("ij,ij->i", encodings, encodings)
    # Squared distance from each query row to each student's nearest row (rows x students).
    nearest = np.empty((len(query_rows), len(students)))
    for begin in range(0, len(query_rows), _CHUNK_ROWS):
        chunk = query_rows[begin : begin + _CHUNK_ROWS]
        squared = norms[chunk, None] + norms[None, :] - 2.0 * (encodings[chunk] @ encodings.T)
        nearest[begin : begin + len(chunk)] = np.minimum.reduceat(squared, starts, axis=1)
    query_students, query_starts = _groups(ids[query_rows])
    per_student = np.minimum.reduceat(nearest, query_starts, axis=0)  # query students x students
    column = {int(student): index for index, student in enumerate(students)}
    per_student[np.arange(len(query_students)), [column[int(s)] for s in query_students]] = np.inf  # not oneself
    limit = (threshold + _GRAM_SLACK) ** 2
    candidates = np.argwhere(per_student < limit)
    bounds = dict(zip(students.tolist(), starts.tolist(), strict=True))
    ends = dict(zip(students.tolist(), np.r_[starts[1:], len(ids)].tolist(), strict=True))
    pairs: dict[tuple[int, int], float] = {}
    for row, col in candidates:
        a, b = sorted((int(query_students[row]), int(students[col])))
        if (a, b) in pairs:
            continue
        # The exact distance, as the matcher computes it (the Gram trick above only chose the candidates).
        rows_a = encodings[bounds[a] : ends[a]]
        rows_b = encodings[bounds[b] : ends[b]]
        distance = float(np.linalg.norm(rows_a[:, None, :] - rows_b[None, :, :], axis=2).min())
        if distance < threshold:
            pairs[(a, b)] = distance
    return pairs


def _same_classroom(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The pairs sharing a classroom in its current school year."""
    pairs = list(pairs)
    involved = {student for pair in pairs for student in pair}
    classrooms: dict[int, set[int]] = {}
    for student_id, classroom_id in Enrollment.objects.filter(
        student_id__in=involved, school_year=F("classroom__school_year")
    ).values_list("student_id", "classroom_id"):
        classrooms.setdefault(student_id, set()).add(classroom_id)
    return {(a, b) for a, b in pairs if classrooms.get(a, set()) & classrooms.get(b, set())}


def recompute_lookalikes(student_ids: Collection[int] | None = None) -> Recomputed:
    """Bring LookalikePair up to date: all pairs, or with `student_ids` only the pairs involving those students
    (the others cannot have changed). Bumps the matcher's index version when a pair changed, so it asks the
    larger margin between the new pairs."""
    ids, encodings = _usable_encodings()
    found = close_pairs(ids, encodings, among=student_ids)
    same = _same_classroom(found)
    scope = LookalikePair.objects.all()
    if student_ids is not None:
        scope = scope.filter(Q(student_a_id__in=student_ids) | Q(student_b_id__in=student_ids))
    created = updated = 0
    with transaction.atomic():
        existing = {(pair.student_a_id, pair.student_b_id): pair for pair in scope.select_for_update()}
        gone = [pair.pk for key, pair in existing.items() if key not in found]
        deleted, _ = LookalikePair.objects.filter(pk__in=gone).delete()
        changed = []
        for key, distance in found.items():
            pair = existing.get(key)
            if pair is None:
                continue
            if abs(pair.distance - distance) > 1e-9 or pair.same_classroom != (key in same):
                pair.distance, pair.same_classroom = distance, key in same
                changed.append(pair)
        LookalikePair.objects.bulk_update(changed, ["distance", "same_classroom"])
        updated = len(changed)
        new = [
            LookalikePair(student_a_id=a, student_b_id=b, distance=distance, same_classroom=(a, b) in same)
            for (a, b), distance in found.items()
            if (a, b) not in existing
        ]
        # ignore_conflicts: a concurrent recomputation for the other student of a pair may have inserted it.
        LookalikePair.objects.bulk_create(new, ignore_conflicts=True)
        created = len(new)
        result = Recomputed(created=created, updated=updated, deleted=deleted)
        if result.changed:
            transaction.on_commit(_bump_index)
    logger.info("look-alike pairs recomputed (%s): %s", "all" if student_ids is None else len(student_ids), result)
    return result


def _bump_index() -> None:
    from recognition.services.index import bump_index_version

    bump_index_version()


def schedule_recompute(student_id: int) -> None:
    """After the current transaction commits, recompute the pairs of `student_id` (a task; in-process when
    embedded). Called where an enrollment changes, never per request."""
    transaction.on_commit(lambda: _queue(student_id))


def _queue(student_id: int) -> None:
    from recognition.tasks import recompute_lookalikes as task

    try:
        task.delay([student_id])
    except Exception:
        # The enrollment is committed already; a lost recomputation is caught up by the next one.
        logger.exception("look-alike recomputation for student %s could not be queued", student_id)


def advice(pair: LookalikePair) -> str:
    """What a secretary should do about the pair."""
    if pair.distance < settings.MATCH_TOLERANCE:
        text = _("Very close: review both students' photos (the same person enrolled twice?) and add better ones.")
    else:
        text = _("Add more photos of both students, in different light and angles.")
    if pair.same_classroom:
        text = _("Same classroom. %(advice)s") % {"advice": text}
    return text
