"""A face group assigned to a student holds faces a camera saw during a lesson still open, the student unmarked:
the teacher's live page is offered to mark the student (an `attendance.offer` event, and in the snapshot of a page
that connects later); nothing is marked until the teacher presses the button (the usual manual change). Closed
lessons and students already present get no offer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Presence, PresenceSource, PresenceStatus
from attendance.services.manual import set_presence
from attendance.services.roll import close_roll
from recognition.models import FaceGroup, UnknownFace
from recognition.services.face_groups import assign_group
from school.asgi import application
from school.models import Lesson, Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, SecretaryFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.review_support import make_group
from tests.support.sockets import session_headers

pytestmark = committing_db


def school() -> tuple[Lesson, Student, Any, FaceGroup]:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = Lesson.objects.select_related("classroom").get(pk=in_session(classroom).pk)
    student = EnrollmentFactory(classroom=classroom, student__full_name="Barack Obama").student
    teacher = TeacherFactory(classrooms=[classroom])
    group = make_group(
        (("obama.jpg", 0.9), ("obama2.jpg", 0.8)),
        encodings=False,
        where="Câmera da porta",
        lesson=lesson,
        classroom=classroom,
        seen_at=timezone.now() - dt.timedelta(minutes=2),
    )
    return lesson, student, teacher, group


async def test_the_teacher_is_offered_the_sighting_and_nothing_is_marked() -> None:
    lesson, student, teacher, group = await database_sync_to_async(school)()
    secretary = await database_sync_to_async(SecretaryFactory)()
    headers = await database_sync_to_async(session_headers)(teacher)
    communicator = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["offers"] == []

    result = await database_sync_to_async(assign_group)(group, student, by=secretary)

    event = await communicator.receive_json_from(timeout=2)
    assert event["type"] == "attendance.offer"
    offer = event["offer"]
    assert (offer["student_id"], offer["name"], offer["where"]) == (student.pk, "Barack Obama", "Câmera da porta")
    assert result.offered == 1
    assert await communicator.receive_nothing(timeout=0.3)  # one offer per lesson, not one per face
    await communicator.disconnect()

    assert not await database_sync_to_async(Presence.objects.exists)()  # never marked on its own
    assert await database_sync_to_async(UnknownFace.objects.filter(offered=True).count)() == 2
    later = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    assert (await later.connect())[0]
    assert [o["student_id"] for o in (await later.receive_json_from())["offers"]] == [student.pk]
    await later.disconnect()


def test_the_teachers_button_marks_the_student_by_hand_and_the_offer_goes() -> None:
    lesson, student, teacher, group = school()
    assign_group(group, student, by=SecretaryFactory())
    client = APIClient()
    client.force_authenticate(teacher)

    # What the offer's button posts: the live page's manual change.
    response = client.put(f"/api/lessons/{lesson.pk}/presences/{student.pk}", {"status": "present"}, format="json")

    assert response.status_code == 200
    presence = Presence.objects.get(lesson=lesson, student=student)
    assert (presence.status, presence.source, presence.changed_by) == (
        PresenceStatus.PRESENT,
        PresenceSource.MANUAL,
        teacher,
    )
    from attendance.services.review_offers import lesson_offers

    assert lesson_offers(lesson) == []


def test_a_closed_lesson_or_a_student_already_present_gets_no_offer() -> None:
    lesson, student, teacher, group = school()
    past = LessonFactory(classroom=lesson.classroom, date=timezone.localdate() - dt.timedelta(days=1))
    close_roll(past)
    UnknownFace.objects.filter(group=group).update(lesson=past)
    other_group = make_group((("biden.jpg", 0.9),), encodings=False, lesson=lesson, classroom=lesson.classroom)
    other = EnrollmentFactory(classroom=lesson.classroom).student
    set_presence(lesson, other, PresenceStatus.PRESENT, by=teacher)

    assert assign_group(group, student, by=teacher).offered == 0
    assert assign_group(other_group, other, by=teacher).offered == 0
    assert not UnknownFace.objects.filter(offered=True).exists()
