"""The matcher index of enrolled faces, shared by every process through a version number in the cache.

Any change to the usable encodings bumps the version; each process rebuilds its in-memory `Matcher` lazily, on the
first query that sees a version different from the one it built.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from django.conf import settings
from django.core.cache import cache

from recognition.engine import Matcher
from recognition.models import ENCODING_DTYPE, FacePhoto
from school.services.consent import biometric_consent_q

INDEX_VERSION_KEY = "recognition:index-version"

_lock = threading.Lock()
_matcher: Matcher | None = None


def index_version() -> int:
    version = cache.get(INDEX_VERSION_KEY)
    if version is None:
        # A restarted cache must not hand out a version an old process already built: start from the clock.
        cache.add(INDEX_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(INDEX_VERSION_KEY)
    return int(version)


def bump_index_version() -> None:
    try:
        cache.incr(INDEX_VERSION_KEY)
    except ValueError:
        cache.add(INDEX_VERSION_KEY, time.time_ns(), timeout=None)


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
    rows = [
        (student_id, bytes(encoding))
        for student_id, encoding in FacePhoto.objects.filter(
            biometric_consent_q("student__"), status=FacePhoto.Status.READY
        ).values_list("student_id", "encoding")
        if encoding is not None  # guaranteed by a check constraint; narrows the type
    ]
    student_ids = [student_id for student_id, _encoding in rows]
    encodings = np.frombuffer(b"".join(encoding for _id, encoding in rows), dtype=ENCODING_DTYPE)
    return Matcher(
        student_ids,
        encodings.reshape(-1, 128).astype(np.float32),
        tolerance=settings.MATCH_TOLERANCE,
        margin=settings.MATCH_MARGIN,
        version=version,
    )
