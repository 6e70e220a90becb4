"""Justified absences: a medical certificate or another reason covering some days of a student's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _

from attendance.models import Justification
from school.models import Student
from school.services.uploads import UploadRejected, checked_document


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

    Raises ValidationError (code ``ends_before_start``) when ``end`` comes before ``start``, and for a document
    that is neither a PDF nor an image (see justification_document).
    """
    if end < start:
        raise ValidationError(
            _("The last day (%(end)s) cannot come before the first (%(start)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            code="ends_before_start",
        )
    stored = justification_document(document) if document is not None else None
    justification = Justification(student=student, start_date=start, end_date=end, reason=reason, recorded_by=by)
    if stored is not None:
        justification.document.save(str(stored.name), stored, save=False)
    justification.save()
    return justification


def justification_document(upload: File) -> ContentFile:
    """The document as it may be stored: a PDF, or an image re-encoded, under a random name (school.services.uploads).

    Raises ValidationError with the refusal's code (``not_a_document``, ``wrong_content_type``, ``too_large``).
    """
    try:
        return checked_document(upload)
    except UploadRejected as rejection:
        raise ValidationError(rejection.detail, code=rejection.code) from None
