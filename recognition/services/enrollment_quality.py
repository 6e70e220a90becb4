"""A student's enrollment quality at a glance: how many usable photos, how far apart they are, and what to fix."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from recognition.models import FacePhoto, unpack_encodings
from school.models import Student

#: Photos closer than this to one another add almost nothing: the same picture, or a burst of one moment
#: (same-person distances between distinct photos run ~0.25-0.45 on the fixtures).
NEAR_DUPLICATE_SPREAD = 0.12
#: Past this mean distance the photos may not all show the same person (the match tolerance is 0.5).
TOO_WIDE_SPREAD = 0.5


@dataclass(frozen=True)
class EnrollmentQuality:
    usable: int
    spread: float | None  # mean pairwise distance between the usable encodings; None under two photos
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.usable:
            text = _("No usable photo.")
        elif self.spread is None:
            text = _("1 usable photo.")
        else:
            text = _("%(count)d usable photos, spread %(spread).2f.") % {"count": self.usable, "spread": self.spread}
        return " ".join([text, *self.warnings])


def mean_pairwise_distance(encodings: np.ndarray) -> float | None:
    """The mean Euclidean distance over every pair of rows (None for fewer than two)."""
    count = len(encodings)
    if count < 2:
        return None
    rows = encodings.astype(np.float64)
    distances = np.linalg.norm(rows[:, None, :] - rows[None, :, :], axis=2)
    upper = distances[np.triu_indices(count, k=1)]
    return float(upper.mean())


def enrollment_quality(student: Student) -> EnrollmentQuality:
    encodings = [
        bytes(encoding)
        for encoding in FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY).values_list(
            "encoding", flat=True
        )
        if encoding is not None
    ]
    matrix = unpack_encodings(encodings)
    spread = mean_pairwise_distance(matrix)
    warnings = []
    if len(encodings) == 0:
        warnings.append(_("The student cannot be recognised: enroll a photo."))
    elif len(encodings) == 1:
        warnings.append(_("A single photo: add two or three more, in other light and angles."))
    elif spread is not None and spread < NEAR_DUPLICATE_SPREAD:
        warnings.append(_("The photos are nearly identical: add photos taken on other days."))
    elif spread is not None and spread > TOO_WIDE_SPREAD:
        warnings.append(_("The photos are far apart: check that they all show this student."))
    return EnrollmentQuality(usable=len(encodings), spread=spread, warnings=warnings)
