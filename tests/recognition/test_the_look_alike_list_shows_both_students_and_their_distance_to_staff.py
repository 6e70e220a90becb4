"""GET /api/students/lookalikes: the pairs with both students and their distance, same classroom first; staff only."""

from __future__ import annotations

from rest_framework.test import APIClient

from recognition.models import LookalikePair
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory


def test_pairs_come_with_both_students_and_their_distance_same_classroom_first(db: None) -> None:
    a, b, c, d = (StudentFactory(consenting=True) for _ in range(4))
    LookalikePair.objects.create(student_a=a, student_b=b, distance=0.31234, same_classroom=False)
    LookalikePair.objects.create(student_a=c, student_b=d, distance=0.55, same_classroom=True)
    client = APIClient()
    client.force_authenticate(SecretaryFactory())

    body = client.get("/api/students/lookalikes").json()

    assert body["threshold"] == 0.6
    first, second = body["pairs"]
    assert (first["student_a"]["id"], first["student_b"]["id"], first["same_classroom"]) == (c.pk, d.pk, True)
    assert second["student_a"] == {"id": a.pk, "registration": a.registration, "name": a.full_name}
    assert second["distance"] == 0.3123
    assert second["advice"]


def test_teachers_and_anonymous_callers_are_refused(db: None) -> None:
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    assert teacher.get("/api/students/lookalikes").status_code == 403
    assert APIClient().get("/api/students/lookalikes").status_code in (401, 403)
