"""GET /api/review/groups: the open groups, largest first, each with its best crops (where and when they were seen)
and its places, in a constant number of queries whatever the number of groups; only staff who review may read it,
and each crop it links to is served to them only, logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import Device
from recognition.models import UnknownFace
from school.models import AccessKind, AccessLog
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.recognition.review_support import make_group

pytestmark = pytest.mark.django_db

CROP = ("obama.jpg", 0.5)


@pytest.fixture
def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory())
    return client


def groups(client: APIClient, **params: Any) -> Any:
    response = client.get("/api/review/groups", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_groups_come_largest_first_with_their_best_crops_and_places(secretary: APIClient) -> None:
    small = make_group((CROP,), encodings=False, where="Câmera da porta")
    large = make_group((CROP,) * 3, encodings=False, where="Câmera da porta")
    UnknownFace.objects.filter(pk=large.faces.order_by("pk")[0].pk).update(where="Festa junina", source="gallery")
    middle = make_group((CROP,) * 2, encodings=False)

    body = groups(secretary)

    assert body["count"] == 3
    assert [group["id"] for group in body["results"]] == [large.pk, middle.pk, small.pk]
    first = body["results"][0]
    assert first["size"] == 3 and len(first["faces"]) == 3
    assert [face["quality"] for face in first["faces"]] == sorted((f["quality"] for f in first["faces"]), reverse=True)
    assert all(face["crop_url"] == f"/review/faces/{face['id']}/crop" for face in first["faces"])
    assert {face["where"] for face in first["faces"]} == {"Câmera da porta", "Festa junina"}
    assert [(place["where"], place["faces"]) for place in first["places"]] == [
        ("Câmera da porta", 2),
        ("Festa junina", 1),
    ]


def test_the_list_is_paginated_and_costs_the_same_queries_for_many_groups(secretary: APIClient) -> None:
    make_group((CROP,), encodings=False)
    groups(secretary)  # the user's permissions are loaded once
    with CaptureQueriesContext(connection) as few:
        groups(secretary)
    for _ in range(5):
        make_group((CROP,) * 2, encodings=False)
    with CaptureQueriesContext(connection) as many:
        body = groups(secretary, limit=4)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert body["count"] == 6 and len(body["results"]) == 4 and body["next"]
    assert len(groups(secretary, limit=4, page=2)["results"]) == 2


def test_an_old_group_of_the_same_size_comes_after_a_recent_one(secretary: APIClient) -> None:
    old = make_group((CROP,), encodings=False, seen_at=timezone.now() - dt.timedelta(days=3))
    recent = make_group((CROP,), encodings=False)

    assert [group["id"] for group in groups(secretary)["results"]] == [recent.pk, old.pk]


def test_teachers_and_devices_are_refused() -> None:
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())
    device = Device(name="gateway")
    key = device.issue_key()
    device.save()
    gateway = APIClient()
    gateway.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert teacher.get("/api/review/groups").status_code == 403
    assert gateway.get("/api/review/groups").json()["code"] in {"permission_denied", "not_authenticated"}
    assert gateway.get("/api/review/groups").status_code in {401, 403}


def test_a_crop_is_served_to_reviewers_and_each_view_logged(secretary: APIClient, client: Any) -> None:
    group = make_group((CROP,), encodings=False)
    face = group.faces.get()
    client.force_login(SecretaryFactory())

    response = client.get(f"/review/faces/{face.pk}/crop")

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert AccessLog.objects.filter(kind=AccessKind.UNKNOWN_FACE, target=f"unknown face {face.pk}").count() == 1
    client.force_login(TeacherFactory())
    assert client.get(f"/review/faces/{face.pk}/crop").status_code == 403


def test_the_student_search_finds_by_name_or_registration_with_the_photo_count(secretary: APIClient) -> None:
    student = StudentFactory(full_name="Barack Obama", registration="2024777")
    StudentFactory(full_name="Joe Biden")

    by_name = secretary.get("/api/review/students", {"search": "obam"}).json()
    by_registration = secretary.get("/api/review/students", {"search": "4777"}).json()

    assert (
        by_name
        == by_registration
        == [{"id": student.pk, "full_name": "Barack Obama", "registration": "2024777", "face_photo_count": 0}]
    )
