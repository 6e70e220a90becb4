"""The crop of a sighting offered to a lesson's teacher (a review named the face as a student of the class) is shown
to that classroom's teachers and logged as a view of the student's data; other teachers are refused, and a face
nobody offered (still unknown, or dismissed) has no such address."""

from __future__ import annotations

from django.test import Client

from attendance.services.review_offers import dismiss_offer, lesson_offers
from recognition.models import UnknownFace
from recognition.services.face_groups import assign_group
from school.models import AccessKind, AccessLog
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.review_support import make_group
from tests.support.images import fixture_bytes

pytestmark = committing_db


def test_the_classrooms_teacher_sees_the_crop_and_the_view_is_logged() -> None:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student__full_name="Barack Obama").student
    teacher = TeacherFactory(classrooms=[classroom])
    other_teacher = TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")])
    group = make_group((("obama.jpg", 0.9),), encodings=False, lesson=lesson, classroom=classroom)
    unknown = make_group((("biden.jpg", 0.9),), encodings=False, lesson=lesson, classroom=classroom).faces.get()
    assign_group(group, student, by=SecretaryFactory())
    [offer] = lesson_offers(lesson)
    face = UnknownFace.objects.get(group=group)
    assert offer["crop_url"] == f"/attendance/offers/{face.pk}.jpg"
    client = Client()

    client.force_login(other_teacher)
    assert client.get(offer["crop_url"]).status_code == 403
    client.force_login(teacher)
    response = client.get(offer["crop_url"])

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == fixture_bytes("obama.jpg")
    entry = AccessLog.objects.get()
    assert (entry.user, entry.kind, entry.student, entry.target) == (
        teacher,
        AccessKind.UNKNOWN_FACE,
        student,
        f"unknown face {face.pk}",
    )
    assert client.get(f"/attendance/offers/{unknown.pk}.jpg").status_code == 404  # nobody named it
    dismiss_offer(lesson, student)
    assert client.get(offer["crop_url"]).status_code == 404
