"""The monitor (its page, history, acknowledgements and classroom pages) is for staff who may see the cameras (the
secretaries): anyone else logged in is refused (403), and an anonymous visitor is sent to the login page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from monitoring.models import Alert, AlertStatus
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, SecretaryFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoints() -> list[tuple[str, str]]:
    """Every monitor endpoint, as (method, path), with something real behind each."""
    classroom = ClassroomFactory(code="3AT.I")
    camera = CameraFactory(classroom=classroom)
    now = timezone.now()
    alert = Alert.objects.create(
        type="camera_offline",
        severity="critical",
        camera=camera,
        source_key=f"camera:{camera.pk}",
        first_seen=now,
        last_seen=now,
    )
    return [
        ("get", "/monitor/"),
        ("get", "/monitor/history"),
        ("get", f"/monitor/history?camera={camera.pk}"),
        ("post", f"/monitor/alerts/{alert.pk}/acknowledge"),
        ("get", "/monitor/classrooms/3AT.I/"),
    ]


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_anonymous_visitor_is_sent_to_the_login_page(endpoints: list[tuple[str, str]]) -> None:
    for method, path in endpoints:
        response = getattr(Client(), method)(path)

        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: TeacherFactory(), id="teacher (sees cameras, not staff)"),
        pytest.param(lambda: UserFactory(is_staff=True), id="staff without the cameras"),
        pytest.param(lambda: UserFactory(), id="anyone else"),
    ],
)
def test_whoever_is_not_staff_who_sees_the_cameras_is_refused(
    endpoints: list[tuple[str, str]], make_user: Callable[[], Any]
) -> None:
    client = as_user(make_user())

    for method, path in endpoints:
        assert getattr(client, method)(path).status_code == 403, path
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_a_secretary_gets_every_page(endpoints: list[tuple[str, str]]) -> None:
    client = as_user(SecretaryFactory())

    for method, path in endpoints:
        assert getattr(client, method)(path).status_code == 200, path
