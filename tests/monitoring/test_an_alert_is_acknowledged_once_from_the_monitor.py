"""POST /monitor/alerts/<id>/acknowledge: an open alert becomes acknowledged by whoever pressed (200, the alert as
the page shows it); pressing again, or on an alert that is no longer open, is a conflict (409 not_open). It needs
the CSRF token and the right to change alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from monitoring.models import Alert, AlertStatus
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def open_alert(**fields: Any) -> Alert:
    camera = CameraFactory(name="Porta", classroom__code="3AT.I")
    now = timezone.now()
    defaults: dict[str, Any] = {
        "type": "zone_intrusion",
        "severity": "warning",
        "camera": camera,
        "classroom": camera.classroom,
        "source_key": f"camera:{camera.pk}:zone:lab",
        "first_seen": now,
        "last_seen": now,
    }
    return Alert.objects.create(**{**defaults, **fields})


def logged_in(user: Any, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def test_the_first_press_acknowledges_and_the_second_is_a_conflict() -> None:
    alert = open_alert()
    secretary = SecretaryFactory(username="secretaria")
    client = logged_in(secretary)

    first = client.post(f"/monitor/alerts/{alert.pk}/acknowledge")
    second = client.post(f"/monitor/alerts/{alert.pk}/acknowledge")

    assert first.status_code == 200
    payload = first.json()["alert"]
    assert (payload["id"], payload["status"], payload["acknowledged_by"]) == (alert.pk, "acknowledged", "secretaria")
    assert (payload["camera_id"], payload["classroom"]) == (alert.camera_id, "3AT.I")
    assert (second.status_code, second.json()) == (409, {"error": "not_open"})
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at is not None) == (
        AlertStatus.ACKNOWLEDGED,
        secretary,
        True,
    )


def test_a_resolved_alert_cannot_be_acknowledged() -> None:
    alert = open_alert(status=AlertStatus.RESOLVED, resolved_at=timezone.now())

    response = logged_in(SecretaryFactory()).post(f"/monitor/alerts/{alert.pk}/acknowledge")

    assert (response.status_code, response.json()) == (409, {"error": "not_open"})
    assert Alert.objects.get().acknowledged_by is None


def test_an_unknown_alert_is_not_found() -> None:
    response = logged_in(SecretaryFactory()).post("/monitor/alerts/424242/acknowledge")

    assert (response.status_code, response.json()) == (404, {"error": "unknown_alert"})


def test_staff_who_see_the_cameras_but_may_not_change_alerts_are_refused() -> None:
    alert = open_alert()
    watcher = UserFactory(is_staff=True)
    watcher.user_permissions.add(Permission.objects.get(codename="view_camera", content_type__app_label="cameras"))

    assert logged_in(watcher).get("/monitor/").status_code == 200
    assert logged_in(watcher).post(f"/monitor/alerts/{alert.pk}/acknowledge").status_code == 403
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_it_takes_a_post_with_the_csrf_token() -> None:
    alert = open_alert()
    client = logged_in(SecretaryFactory(), enforce_csrf_checks=True)
    client.get("/monitor/")  # the page sets the CSRF cookie

    assert client.get(f"/monitor/alerts/{alert.pk}/acknowledge").status_code == 405
    assert client.post(f"/monitor/alerts/{alert.pk}/acknowledge").status_code == 403
    assert Alert.objects.get().status == AlertStatus.OPEN
    token = client.cookies["csrftoken"].value
    assert client.post(f"/monitor/alerts/{alert.pk}/acknowledge", HTTP_X_CSRFTOKEN=token).status_code == 200
