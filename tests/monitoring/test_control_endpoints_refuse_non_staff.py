"""Anyone may ask /health; the background work is for staff, and only staff with the permission (the secretaries)
may stop, start or restart alert processing. Anonymous callers are asked to authenticate (401)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from monitoring.models import AlertProcessing
from tests.factories import SecretaryFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTROLS = ["/api/background/stop", "/api/background/start", "/api/background/restart"]
STAFF_READS = ["/api/background/status", "/api/background/health"]


def assert_switches_untouched() -> None:
    switches = AlertProcessing.objects.get(pk=1)  # made by the migration
    assert (switches.paused, switches.config_version, switches.changed_by) == (False, 1, None)


def as_user(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("path", CONTROLS)
def test_anonymous_callers_are_asked_to_authenticate_before_controlling(path: str) -> None:
    response = APIClient().post(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert_switches_untouched()


@pytest.mark.parametrize("path", STAFF_READS)
def test_anonymous_callers_are_asked_to_authenticate_before_reading(path: str) -> None:
    response = APIClient().get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", CONTROLS)
def test_teachers_and_staff_without_the_permission_cannot_control(path: str) -> None:
    for user in (TeacherFactory(), UserFactory(is_staff=True)):
        response = as_user(user).post(path)

        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
    assert_switches_untouched()


@pytest.mark.parametrize("path", STAFF_READS)
def test_teachers_cannot_see_the_background_work_but_any_staff_can(path: str) -> None:
    assert as_user(TeacherFactory()).get(path).status_code == 403
    assert as_user(UserFactory(is_staff=True)).get(path).status_code == 200


def test_a_secretary_stops_starts_and_restarts_alert_processing() -> None:
    secretary = SecretaryFactory()
    client = as_user(secretary)

    stopped = client.post("/api/background/stop")
    assert stopped.status_code == 200
    assert stopped.json()["alert_processing"]["state"] == "stopped"
    assert stopped.json()["alert_processing"]["changed_by"] == secretary.username
    assert client.post("/api/background/start").json()["alert_processing"]["state"] == "running"
    assert client.post("/api/background/restart").json()["alert_processing"]["state"] == "running"
    assert AlertProcessing.objects.get(pk=1).config_version == 2


def test_health_needs_no_login_and_tells_no_details() -> None:
    response = APIClient().get("/health")

    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"status", "checks", "live"}
    assert response.json()["checks"]["database"] == {"status": "ok", "required": True}
    assert set(response.json()["live"]) == {"model_loaded", "sockets", "kiosk"}  # counters, no names or messages
