"""What staff taught Chamada about a student's face (a review group assigned to them with its crops, fresh-photo
proposals, negative examples, look-alike pairs) is face data of that student: withdrawing consent, or an erasure,
removes it with the face photos, files included, and leaves other students' data alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from recognition.models import EnrollmentProposal, FaceGroup, LookalikePair, NegativeExample, UnknownFace, pack_encoding
from school.models import Student
from school.services.consent import set_biometric_consent
from tests.factories import StudentFactory
from tests.recognition.review_support import make_group
from tests.support.images import fixture_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def taught_about(student: Student, other: Student) -> list[str]:
    """Every kind of learnt data about `student` (and a look-alike pair with `other`); the crop files' names."""
    group = make_group(encodings=False)
    FaceGroup.objects.filter(pk=group.pk).update(decision=FaceGroup.Decision.STUDENT, student=student)
    proposal = EnrollmentProposal.objects.create(
        student=student,
        crop=ContentFile(fixture_bytes("obama.jpg"), name="p.jpg"),
        encoding=pack_encoding(np.full(128, 0.05)),
        distance=0.3,
        margin=0.2,
        seen_at=timezone.now(),
    )
    NegativeExample.objects.create(student=student, encoding=pack_encoding(np.full(128, 0.05)), source="review")
    a, b = sorted([student.pk, other.pk])
    LookalikePair.objects.create(student_a_id=a, student_b_id=b, distance=0.55)
    return [*UnknownFace.objects.filter(group=group).values_list("crop", flat=True), proposal.crop.name]


def test_withdrawing_biometric_consent_removes_the_learnt_face_data_and_its_files() -> None:
    student = StudentFactory(consenting=True)
    other = StudentFactory(consenting=True)
    kept_group = make_group(encodings=False)  # another, open group: nobody's data
    files = taught_about(student, other)
    assert all((Path(settings.MEDIA_ROOT) / name).exists() for name in files)

    set_biometric_consent(student, False, recorded_by=None)

    assert not FaceGroup.objects.filter(student=student).exists()
    assert not UnknownFace.objects.exclude(group=kept_group).exists()
    assert not EnrollmentProposal.objects.exists()
    assert not NegativeExample.objects.exists()
    assert not LookalikePair.objects.exists()
    assert not any((Path(settings.MEDIA_ROOT) / name).exists() for name in files)
    assert UnknownFace.objects.filter(group=kept_group).count() == kept_group.size
