"""A face group decided by mistake is reopened (the admin's "Reopen for review", POST /api/review/groups/<id>/reopen):
it is back in the queue with no decision, student or decider. "Not a student" stops suppressing its unknown_face
alerts; an assignment undone keeps the face photos it enrolled (the student's now) and takes back the teachers'
offers to mark that student; its faces fall back under the normal retention period. Reopening an open group changes
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from numpy.typing import NDArray
from rest_framework.test import APIClient

from attendance.services.review_offers import lesson_offers
from cameras.models import Camera
from recognition.models import FaceGroup, FacePhoto, UnknownFace
from recognition.services.face_groups import assign_group
from recognition.services.unknown_faces import is_not_a_student
from school.asgi import application
from school.models import Lesson, Student
from school.services.retention import UNKNOWN_FACES, purge_expired
from tests.attendance.conftest import in_session
from tests.cameras.factories import CameraFactory
from tests.cameras.unknown_face_alerts import alerted_tracks, announce
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.review_support import fixture_encoding, make_group
from tests.support.sockets import session_headers

# Committed: the version bumps, the encoding of enrolled crops and the live pages' events all happen on commit.
pytestmark = committing_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The not-a-student centroids are kept per process by a version in the cache, which outlives a test."""
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory(username="secretaria"))
    return client


def admin_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(SecretaryFactory())
    return client


def reopen_in_the_admin(client: Client, *groups: FaceGroup) -> list[str]:
    """The admin's action on the face groups' list; returns the messages it showed."""
    response = client.post(
        "/admin/recognition/facegroup/",
        {"action": "reopen", "_selected_action": [group.pk for group in groups]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def open_ids(client: APIClient) -> list[int]:
    response = client.get("/api/review/groups")
    assert response.status_code == 200
    return [group["id"] for group in response.json()["results"]]


def obama2() -> NDArray[np.float32]:
    return np.frombuffer(fixture_encoding("obama2.jpg"), dtype=np.float32)


def test_a_visitor_group_reopened_in_the_admin_raises_unknown_face_alerts_again(api: APIClient) -> None:
    classroom = ClassroomFactory()
    in_session(classroom)
    camera: Camera = CameraFactory(classroom=classroom)
    visitor = make_group((("obama.jpg", 0.9), ("obama2.jpg", 0.8)))
    assert api.post(f"/api/review/groups/{visitor.pk}/not-a-student").status_code == 200
    announce(camera, 1, obama2())
    assert alerted_tracks() == set() and is_not_a_student(obama2())

    messages = reopen_in_the_admin(admin_client(), visitor)

    assert messages == ["1 face group reopened for review."]
    announce(camera, 2, obama2())
    assert alerted_tracks() == {2}
    assert not is_not_a_student(obama2())
    visitor.refresh_from_db()
    assert (visitor.decision, visitor.student, visitor.decided_by, visitor.decided_at) == ("open", None, None, None)
    assert open_ids(api) == [visitor.pk]


def test_an_assignment_undone_keeps_the_enrolled_photos_and_the_group_can_be_assigned_again(api: APIClient) -> None:
    wrong = StudentFactory(consenting=True, full_name="Joe Biden")
    right = StudentFactory(consenting=True, full_name="Barack Obama")
    group = make_group()
    assigned = api.post(f"/api/review/groups/{group.pk}/assign", {"student_id": wrong.pk, "enroll": 2}, format="json")
    assert assigned.status_code == 200, assigned.json()
    assert open_ids(api) == []

    response = api.post(f"/api/review/groups/{group.pk}/reopen")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["decision"], body["student"], body["decided_at"], body["size"]) == ("open", None, None, 3)
    assert len(body["faces"]) == 3
    assert open_ids(api) == [group.pk]
    # The photos the assignment enrolled are the student's enrollment photos now: managed on the student.
    photos = FacePhoto.objects.filter(student=wrong)
    assert [photo.status for photo in photos] == [FacePhoto.Status.READY] * 2
    again = api.post(f"/api/review/groups/{group.pk}/reopen")
    assert (again.status_code, again.json()["decision"]) == (200, "open")
    reassigned = api.post(f"/api/review/groups/{group.pk}/assign", {"student_id": right.pk}, format="json")
    assert reassigned.status_code == 200
    group.refresh_from_db()
    assert (group.decision, group.student) == (FaceGroup.Decision.STUDENT, right)
    assert FacePhoto.objects.filter(student=wrong).count() == 2


def test_the_admin_says_the_enrolled_photos_stay_and_skips_open_groups() -> None:
    student = StudentFactory(consenting=True, full_name="Joe Biden")
    assigned, still_open = make_group(), make_group((("biden.jpg", 0.9),))
    assign_group(assigned, student, enroll=1, by=None)

    messages = reopen_in_the_admin(admin_client(), assigned, still_open)

    assert messages[0] == "1 face group reopened for review."
    assert "Joe Biden" in messages[1] and "face photos" in messages[1]
    assert FacePhoto.objects.filter(student=student).count() == 1
    still_open.refresh_from_db()
    assert still_open.decision == FaceGroup.Decision.OPEN
    assert reopen_in_the_admin(admin_client(), assigned) == ["0 face groups reopened for review."]
    page = admin_client().get(f"/admin/recognition/facegroup/{assigned.pk}/change/").content.decode()
    assert "Decided by" in page and "Decided at" in page  # read-only, after the group's own fields


def test_only_reviewers_may_reopen_and_an_unknown_group_is_not_found(api: APIClient) -> None:
    group = make_group(encodings=False)
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    assert teacher.post(f"/api/review/groups/{group.pk}/reopen").status_code == 403
    assert api.post(f"/api/review/groups/{group.pk + 1000}/reopen").status_code == 404


def school_in_session() -> tuple[Lesson, Student, Any, FaceGroup]:
    classroom = ClassroomFactory()
    lesson = Lesson.objects.select_related("classroom").get(pk=in_session(classroom).pk)
    student = EnrollmentFactory(classroom=classroom, student__full_name="Joe Biden").student
    group = make_group(
        encodings=False, lesson=lesson, classroom=classroom, seen_at=timezone.now() - dt.timedelta(minutes=2)
    )
    return lesson, student, TeacherFactory(classrooms=[classroom]), group


async def test_an_assignment_undone_takes_back_the_teachers_offer() -> None:
    lesson, student, teacher, group = await database_sync_to_async(school_in_session)()
    await database_sync_to_async(assign_group)(group, student, by=None)
    headers = await database_sync_to_async(session_headers)(teacher)
    communicator = WebsocketCommunicator(application, f"/ws/lessons/{lesson.pk}/", headers=headers)
    assert (await communicator.connect())[0]
    assert [offer["student_id"] for offer in (await communicator.receive_json_from())["offers"]] == [student.pk]

    messages = await database_sync_to_async(lambda: reopen_in_the_admin(admin_client(), group))()

    event = await communicator.receive_json_from(timeout=2)
    assert event == {"type": "attendance.offer_dismissed", "student_id": student.pk}
    await communicator.disconnect()
    assert "1 offer to a teacher to mark the student taken back." in messages
    assert await database_sync_to_async(lambda: lesson_offers(lesson))() == []
    assert not await database_sync_to_async(UnknownFace.objects.filter(offered=True).exists)()


def test_reopened_faces_fall_back_under_the_normal_retention_period(settings: Any) -> None:
    student = StudentFactory(consenting=True)
    group = make_group(seen_at=timezone.now() - dt.timedelta(days=settings.UNKNOWN_FACE_RETENTION_DAYS + 5))
    assign_group(group, student, enroll=1, by=None)
    assert purge_expired()[UNKNOWN_FACES].rows == 0  # an assigned group's faces are kept

    reopen_in_the_admin(admin_client(), group)
    report = purge_expired()

    assert report[UNKNOWN_FACES].rows == 3
    assert not UnknownFace.objects.exists()
    assert not FaceGroup.objects.filter(pk=group.pk).exists()  # an open group left empty goes
    assert FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY).count() == 1


def test_the_openapi_schema_documents_reopening(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = response.json()["paths"]["/api/review/groups/{id}/reopen"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    assert "group_gone" in operation["responses"]["409"]["description"]
