"""A student's enrollment quality: usable photos, their spread (mean distance between them), and warnings."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from django.test import Client
from django.utils import translation

from recognition.models import FacePhoto, pack_encoding
from recognition.services.enrollment_quality import enrollment_quality
from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):  # the warnings are matched in English
        yield


def with_photos(*encodings: np.ndarray, rejected: int = 0) -> Student:
    student = StudentFactory(consenting=True)
    for index, encoding in enumerate(encodings):
        FacePhoto.objects.create(
            student=student,
            content_hash=f"{index}".ljust(64, "r"),
            status=FacePhoto.Status.READY,
            encoding=pack_encoding(encoding),
        )
    for index in range(rejected):
        FacePhoto.objects.create(student=student, content_hash=f"{index}".ljust(64, "x"), status="rejected")
    return student


def unit(axis: int, scale: float = 1.0) -> np.ndarray:
    vector = np.zeros(128, dtype=np.float32)
    vector[axis] = scale
    return vector


def test_a_single_usable_photo_is_warned_about(db: None) -> None:
    quality = enrollment_quality(with_photos(unit(0), rejected=2))  # rejected photos do not count

    assert quality.usable == 1 and quality.spread is None
    assert any("single photo" in warning for warning in quality.warnings)


def test_the_spread_is_the_mean_distance_between_the_photos(db: None) -> None:
    # Three photos 0.3 (0-1, 0-2) and 0.3*sqrt(2) (1-2) apart.
    quality = enrollment_quality(with_photos(unit(0), unit(0) + unit(1, 0.3), unit(0) + unit(2, 0.3)))

    assert quality.usable == 3
    assert quality.spread == pytest.approx((0.3 + 0.3 + 0.3 * np.sqrt(2)) / 3, abs=1e-6)
    assert quality.warnings == []


@pytest.mark.parametrize(
    ("offset", "warning"),
    [(0.05, "nearly identical"), (0.8, "far apart")],
)
def test_near_duplicates_and_photos_far_apart_are_warned_about(db: None, offset: float, warning: str) -> None:
    quality = enrollment_quality(with_photos(unit(0), unit(0) + unit(1, offset)))

    assert [text for text in quality.warnings if warning in text]


def test_no_usable_photo_is_warned_about(db: None) -> None:
    quality = enrollment_quality(with_photos(rejected=1))

    assert quality.usable == 0 and quality.warnings


def test_the_student_page_shows_the_summary_and_the_list_counts_usable_photos(db: None) -> None:
    student = with_photos(unit(0))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(SecretaryFactory())

    change = client.get(f"/admin/school/student/{student.pk}/change/").content.decode()
    listing = client.get("/admin/school/student/").content.decode()

    assert "1 usable photo." in change and "single photo" in change
    assert "1 ⚠" in listing
