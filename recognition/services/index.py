"""The matcher index of enrolled faces, shared by every process through a version number in the cache.

Any change to the usable encodings bumps the version; each process rebuilds its in-memory `Matcher` lazily, on the
first query that sees a version different from the one it built. The index also holds the staff's corrections:
negative examples (faces said not to be a student) and look-alike pairs (a larger margin between the two); adding
or removing either bumps the version too (recognition/signals.py, recognition.services.lookalikes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from recognition.engine import Matcher
from recognition.models import FacePhoto, LookalikePair, NegativeExample, unpack_encodings
from recognition.services.versions import VersionCounter
from school.services.consent import biometric_consent_q

INDEX_VERSION_KEY = "recognition:index-version"
INDEX_VERSION = VersionCounter(INDEX_VERSION_KEY)

_lock = threading.Lock()
_matcher: Matcher | None = None


def index_version() -> int:
    return INDEX_VERSION.current()


def bump_index_version() -> None:
    INDEX_VERSION.bump()


def get_matcher() -> Matcher:
    """The current index of usable encodings (ready photos of active students with consent)."""
    global _matcher
    version = index_version()
    matcher = _matcher
    if matcher is not None and matcher.version == version:
        return matcher
    with _lock:
        if _matcher is None or _matcher.version != version:
            _matcher = _build(version)
        return _matcher


def _build(version: int) -> Matcher:
    student_ids, encodings = _encodings(
        FacePhoto.objects.filter(biometric_consent_q("student__"), status=FacePhoto.Status.READY).values_list(
            "student_id", "encoding"
        )
    )
    negative_ids, negatives = _encodings(
        NegativeExample.objects.filter(biometric_consent_q("student__")).values_list("student_id", "encoding")
    )
    pairs = list(LookalikePair.objects.values_list("student_a_id", "student_b_id"))
    return Matcher(
        student_ids,
        encodings,
        tolerance=settings.MATCH_TOLERANCE,
        margin=settings.MATCH_MARGIN,
        version=version,
        negative_student_ids=negative_ids,
        negative_encodings=negatives,
        lookalike_pairs=pairs,
        lookalike_extra_margin=settings.LOOKALIKE_EXTRA_MARGIN,
    )


def _encodings(rows: Iterable[tuple[int, bytes | memoryview | None]]) -> tuple[list[int], NDArray[np.float32]]:
    kept = [(student_id, bytes(encoding)) for student_id, encoding in rows if encoding is not None]
    student_ids = [student_id for student_id, _encoding in kept]
    return student_ids, unpack_encodings(encoding for _id, encoding in kept)
