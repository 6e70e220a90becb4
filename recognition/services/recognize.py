"""Recognising the enrolled students in any image."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from recognition.engine import FaceBox, FaceMatches, load_image
from recognition.services.engine import get_detector
from recognition.services.index import get_matcher
from school.models import Classroom, Enrollment, Student
from school.services.consent import biometric_consent_q


class UnknownClassroom(LookupError):
    pass


@dataclass(frozen=True)
class StudentMatch:
    student_id: int
    registration: str
    name: str
    distance: float
    similarity: float


@dataclass(frozen=True)
class RecognizedFace:
    box: FaceBox
    matches: list[StudentMatch]  # empty: unknown (no enrolled student close enough, or ambiguous)


@dataclass(frozen=True)
class Recognition:
    faces: list[RecognizedFace]
    processing_ms: float


def roster_ids(classroom: Classroom) -> set[int]:
    """Students enrolled in `classroom` for its school year."""
    return set(
        Enrollment.objects.filter(classroom=classroom, school_year=classroom.school_year).values_list(
            "student_id", flat=True
        )
    )


def recognize_image(
    data: bytes,
    *,
    classroom_code: str | None = None,
    tolerance: float | None = None,
    max_faces: int | None = None,
    top_k: int = 3,
) -> Recognition:
    """Find the faces in `data` (largest first) and the enrolled students they belong to.

    Raises ImageRejected for unusable images and UnknownClassroom for a code that does not exist.
    """
    started = time.perf_counter()
    scope: set[int] | None = None
    if classroom_code:
        classroom = Classroom.objects.filter(code=classroom_code).first()
        if classroom is None:
            raise UnknownClassroom(classroom_code)
        scope = roster_ids(classroom)
    tolerance = settings.MATCH_TOLERANCE if tolerance is None else tolerance
    image = load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    detector = get_detector()
    boxes = detector.detect(image)[:max_faces] if max_faces else detector.detect(image)
    results: list[FaceMatches] = []
    if boxes:
        results = get_matcher().match(detector.encode(image, boxes), top_k=top_k, scope=scope, tolerance=tolerance)
    # Only students matchable now: the index may predate a withdrawal of consent.
    students = Student.objects.filter(biometric_consent_q()).in_bulk(
        {candidate.student_id for result in results for candidate in result.candidates}
    )
    faces = []
    for box, result in zip(boxes, results, strict=True):
        matches = []
        if result.match is not None:
            # The accepted student first, then the other students also within tolerance.
            for candidate in result.candidates:
                student = students.get(candidate.student_id)
                if candidate.distance <= tolerance and student is not None:
                    matches.append(
                        StudentMatch(
                            student_id=student.pk,
                            registration=student.registration,
                            name=student.full_name,
                            distance=round(candidate.distance, 4),
                            similarity=round(candidate.similarity, 1),
                        )
                    )
        faces.append(RecognizedFace(box=box, matches=matches))
    return Recognition(faces=faces, processing_ms=round((time.perf_counter() - started) * 1000, 1))
