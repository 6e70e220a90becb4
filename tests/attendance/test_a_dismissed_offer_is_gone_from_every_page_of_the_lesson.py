"""The teacher dismisses the offer to mark a student a review named: every live page of the lesson hears it (an
`attendance.offer_dismissed` event), a page that connects later is not offered it again, and the student stays
absent. Only people who may follow the classroom can dismiss."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from attendance.models import Presence
from recognition.models import UnknownFace
from recognition.services.face_groups import assign_group
from school.asgi import application
from school.models import Lesson, Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.review_support import make_group
from tests.support.sockets import session_headers

pytestmark = committing_db


def offered() -> tuple[Lesson, Student, Any]:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student__full_name="Barack Obama").student
    teacher = TeacherFactory(classrooms=[classroom])
    group = make_group((("obama.jpg", 0.9), ("obama2.jpg", 0.8)), encodings=False, lesson=lesson, classroom=classroom)
    assert assign_group(group, student, by=SecretaryFactory()).offered == 1
    return lesson, student, teacher


def dismiss(user: Any, lesson: Lesson, student: Student) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/lessons/{lesson.pk}/offers/{student.pk}/dismiss").status_code


async def test_every_page_hears_the_dismissal_and_a_later_page_is_not_offered_it_again() -> None:
    lesson, student, teacher = await database_sync_to_async(offered)()
    headers = await database_sync_to_async(session_headers)(teacher)
    page = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    assert (await page.connect())[0]
    assert [o["student_id"] for o in (await page.receive_json_from())["offers"]] == [student.pk]

    assert await database_sync_to_async(dismiss)(teacher, lesson, student) == 204

    assert await page.receive_json_from(timeout=2) == {"type": "attendance.offer_dismissed", "student_id": student.pk}
    await page.disconnect()
    later = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    assert (await later.connect())[0]
    assert (await later.receive_json_from())["offers"] == []
    await later.disconnect()
    assert not await database_sync_to_async(Presence.objects.exists)()


def test_another_classrooms_teacher_cannot_dismiss_it() -> None:
    lesson, student, _ = offered()
    stranger = TeacherFactory(classrooms=[ClassroomFactory(code="1BT.I")])

    assert dismiss(stranger, lesson, student) == 403

    assert UnknownFace.objects.filter(offered=True).count() == 2
