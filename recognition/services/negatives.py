"""Negative examples: faces staff said are *not* a student, which the matcher then never gives that student.

Recorded when a reviewer rejects a gallery match (``gallery_rejection``) and when a teacher says a student the
camera marked was not there (``teacher_not_here``). Each one names what it came from (``origin``), so recording the
same correction twice keeps one row. The index version is bumped once the row is committed (recognition/signals.py),
so every process rebuilds its matcher with it.
"""

from __future__ import annotations

import logging

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from numpy.typing import ArrayLike

from recognition.models import ENCODING_DTYPE, NegativeExample
from school.models import Student
from school.services.consent import has_biometric_consent

logger = logging.getLogger(__name__)

ENCODING_DIM = 128


def record_negative(
    student: Student,
    encoding: ArrayLike | bytes | memoryview,
    *,
    source: NegativeExample.Source | str,
    origin: str,
    by: User | AnonymousUser | None = None,
) -> NegativeExample | None:
    """Keep ``encoding`` as a face that is not ``student``; idempotent on (student, source, origin).

    Returns the row (the existing one when this origin was already recorded), or None when nothing is kept: a
    student without biometric consent gets no face data, not even faces that are someone else.
    """
    if not has_biometric_consent(student):
        return None
    data = _as_bytes(encoding)
    creator = by if isinstance(by, User) else None
    if origin:
        existing = NegativeExample.objects.filter(student=student, source=source, origin=origin).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return NegativeExample.objects.create(
                student=student, encoding=data, source=source, origin=origin, created_by=creator
            )
    except IntegrityError:  # the same origin recorded at the same instant by another request
        return NegativeExample.objects.get(student=student, source=source, origin=origin)


def withdraw_negative(student: Student, *, source: NegativeExample.Source | str, origin: str) -> int:
    """Forget the negative recorded from ``origin`` (a rejection reviewed again as a confirmation); how many went."""
    if not origin:
        return 0
    deleted, _ = NegativeExample.objects.filter(student=student, source=source, origin=origin).delete()
    return deleted


def _as_bytes(encoding: ArrayLike | bytes | memoryview) -> bytes:
    if isinstance(encoding, bytes | memoryview):
        vector = np.frombuffer(bytes(encoding), dtype=ENCODING_DTYPE)
    else:
        vector = np.asarray(encoding, dtype=ENCODING_DTYPE).reshape(-1)
    if vector.shape != (ENCODING_DIM,) or not np.isfinite(vector).all():
        raise ValueError(f"a face encoding has {ENCODING_DIM} finite values, got shape {vector.shape}")
    return vector.tobytes()
