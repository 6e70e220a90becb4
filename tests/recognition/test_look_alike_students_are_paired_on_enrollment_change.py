"""Look-alike pairs: students whose nearest enrolled faces are closer than tolerance + margin, recomputed when an
enrollment changes (after commit), never while a list is read."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from recognition.models import ENCODING_DTYPE, FacePhoto, LookalikePair
from recognition.services.lookalikes import close_pairs, recompute_lookalikes
from school.models import Student
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory
from tests.markers import committing_db
from tests.recognition.conftest import upload


def _enrolled(client: APIClient, photo: str, classroom: object = None) -> Student:
    student = StudentFactory(consenting=True)
    if classroom is not None:
        EnrollmentFactory(student=student, classroom=classroom)
    response = upload(client, student, photo)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "ready"
    return student


def _pairs() -> set[tuple[int, int]]:
    return set(LookalikePair.objects.values_list("student_a_id", "student_b_id"))


@committing_db
def test_the_same_person_enrolled_as_two_students_is_paired_and_different_people_are_not(
    secretary_api: APIClient,
) -> None:
    classroom = ClassroomFactory()
    obama = _enrolled(secretary_api, "obama.jpg", classroom)
    biden = _enrolled(secretary_api, "biden.jpg", classroom)
    hopper = _enrolled(secretary_api, "grace_hopper.jpg")
    assert _pairs() == set()  # three different people

    again = _enrolled(secretary_api, "obama2.jpg", classroom)  # the same person as another student

    assert _pairs() == {(obama.pk, again.pk)}
    pair = LookalikePair.objects.get()
    assert pair.same_classroom
    assert pair.distance < settings.MATCH_TOLERANCE + settings.LOOKALIKE_MARGIN
    expected = np.linalg.norm(
        FacePhoto.objects.get(student=obama).encoding_array().astype(np.float64)
        - FacePhoto.objects.get(student=again).encoding_array().astype(np.float64)
    )
    assert pair.distance == pytest.approx(float(expected), abs=1e-9)  # the matcher's distance
    assert {biden.pk, hopper.pk}.isdisjoint({pair.student_a_id, pair.student_b_id})


@committing_db
def test_deleting_the_photo_that_made_a_pair_removes_the_pair(secretary_api: APIClient) -> None:
    obama = _enrolled(secretary_api, "obama.jpg")
    again = _enrolled(secretary_api, "obama2.jpg")
    assert _pairs() == {(obama.pk, again.pk)}

    photo = FacePhoto.objects.get(student=again)
    assert secretary_api.delete(f"/api/faces/{photo.pk}").status_code == 204

    assert _pairs() == set()


@committing_db
def test_reading_the_list_recomputes_nothing(secretary_api: APIClient) -> None:
    obama = _enrolled(secretary_api, "obama.jpg")
    twin = StudentFactory(consenting=True)
    # A row written behind the services' back (no signal, no task): only an enrollment change recomputes.
    FacePhoto.objects.bulk_create(
        [
            FacePhoto(
                student=twin,
                content_hash="t" * 64,
                status=FacePhoto.Status.READY,
                encoding=FacePhoto.objects.get(student=obama).encoding,
            )
        ]
    )

    listed = secretary_api.get("/api/students/lookalikes").json()["pairs"]

    assert listed == []
    assert _pairs() == set()
    recompute_lookalikes([twin.pk])
    assert [pair["distance"] for pair in secretary_api.get("/api/students/lookalikes").json()["pairs"]] == [0.0]


def _rows(groups: dict[int, list[list[float]]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([student for student, rows in sorted(groups.items()) for _ in rows], dtype=np.int64)
    encodings = np.array([row for _student, rows in sorted(groups.items()) for row in rows], dtype=np.float64)
    return ids, encodings


def test_pairs_are_the_minimum_cross_distance_below_the_threshold_and_incremental_sees_only_its_students() -> None:
    rng = np.random.default_rng(3)
    base = [rng.normal(0, 1, 128) for _ in range(4)]
    base = [vector / np.linalg.norm(vector) for vector in base]  # ~1.41 apart: nobody is close

    def near(vector: np.ndarray, by: float) -> list[float]:
        direction = rng.normal(0, 1, 128)
        direction -= direction.dot(vector) * vector
        return list(vector + by * direction / np.linalg.norm(direction))

    groups = {
        1: [near(base[0], 0.0), near(base[1], 0.0)],
        2: [near(base[0], 0.3)],  # 0.3 from student 1's first photo
        3: [near(base[2], 0.0)],
        4: [near(base[2], 0.7)],  # beyond 0.6
        5: [near(base[3], 0.0)],
    }
    ids, encodings = _rows(groups)
    encodings = encodings.astype(ENCODING_DTYPE).astype(np.float64)

    pairs = close_pairs(ids, encodings)

    assert set(pairs) == {(1, 2)}
    brute = min(np.linalg.norm(np.array(a) - np.array(b)) for a in encodings[:2] for b in encodings[2:3])
    assert pairs[(1, 2)] == pytest.approx(brute, abs=1e-12)
    assert close_pairs(ids, encodings, among=[2]) == pairs
    assert close_pairs(ids, encodings, among=[3, 5]) == {}
