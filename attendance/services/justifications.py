"""Justified absences: a medical certificate or another reason covering some days of a student's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _

from attendance.models import Justification
from school.models import Student


def record_justification(
    student: Student,
    start: dt.date,
    end: dt.date,
    reason: str,
    *,
    document: File | None = None,
    by: Any,
) -> Justification:
    """Record that the student's absences from ``start`` to ``end`` (inclusive) are justified.

    Raises ValidationError (code ``ends_before_start``) when ``end`` comes before ``start``.
    """
    if end < start:
        raise ValidationError(
            _("The last day (%(end)s) cannot come before the first (%(start)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            code="ends_before_start",
        )
    justification = Justification(student=student, start_date=start, end_date=end, reason=reason, recorded_by=by)
    if document is not None:
        justification.document.save(document.name or "document", document, save=False)
    justification.save()
    return justification
