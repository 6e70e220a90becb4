"""LOGIN_FAILURE_LIMIT failed logins of one username from one address lock that pair out for LOGIN_LOCKOUT_MINUTES
(django-axes): the login form and the admin's then answer 429 with the lockout page, even to the right password;
other users of the same address (a classroom behind one NAT) and the same user elsewhere still log in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from tests.factories import PASSWORD, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db

CLASSROOM = "10.0.0.7"


def log_in(
    client: Client, username: str, password: str, *, address: str = CLASSROOM, path: str = "/accounts/login/"
) -> Any:
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, **kwargs: Any) -> list[int]:
    return [log_in(client, username, "wrong password", **kwargs).status_code for _ in range(times)]


def test_the_defaults_are_five_failures_and_a_quarter_of_an_hour(settings: Any) -> None:
    assert settings.LOGIN_FAILURE_LIMIT == settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_LOCKOUT_MINUTES == 15
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)


def test_the_fifth_failure_locks_the_user_out_even_with_the_right_password(client: Client) -> None:
    TeacherFactory(username="professora")

    assert fail(client, "professora", 4) == [200, 200, 200, 200]  # the form again, with its error
    locked = log_in(client, "professora", "wrong password")
    right = log_in(client, "professora", PASSWORD)

    assert locked.status_code == right.status_code == 429
    assert right["Retry-After"] == str(15 * 60)
    assert 'id="locked-out"' in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_in_the_schools_language_and_says_how_long(client: Client) -> None:
    TeacherFactory(username="professora")
    fail(client, "professora", 5)

    portuguese = log_in(client, "professora", PASSWORD)
    english = client.post(
        "/accounts/login/",
        {"username": "professora", "password": PASSWORD},
        REMOTE_ADDR=CLASSROOM,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert '<html lang="pt-br">' in portuguese.content.decode()
    assert "After 5 failed logins with this username from this computer" in english.content.decode()
    assert "Try again in 15 minutes." in english.content.decode()


def test_another_user_of_the_same_address_and_the_same_user_elsewhere_still_log_in(client: Client) -> None:
    TeacherFactory(username="professora")
    TeacherFactory(username="outra")
    fail(client, "professora", 5)

    neighbour = log_in(Client(), "outra", PASSWORD)
    at_home = log_in(Client(), "professora", PASSWORD, address="192.0.2.10")

    assert neighbour.status_code == at_home.status_code == 302


def test_after_the_lockout_time_the_right_password_works_again(client: Client) -> None:
    TeacherFactory(username="professora")
    fail(client, "professora", 5)
    assert log_in(client, "professora", PASSWORD).status_code == 429

    # A quarter of an hour and a minute later (the failures' times moved back instead of waiting).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))

    assert log_in(client, "professora", PASSWORD).status_code == 302


def test_a_successful_login_forgets_the_earlier_failures(client: Client) -> None:
    TeacherFactory(username="professora")
    fail(client, "professora", 4)
    assert log_in(Client(), "professora", PASSWORD).status_code == 302

    assert fail(client, "professora", 4) == [200, 200, 200, 200]
    assert log_in(Client(), "professora", PASSWORD).status_code == 302


def test_the_admin_login_locks_out_as_well(client: Client) -> None:
    SecretaryFactory(username="secretaria")

    fail(client, "secretaria", 5, path="/admin/login/")
    response = log_in(client, "secretaria", PASSWORD, path="/admin/login/")

    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_and_the_time_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 1
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=1)
    TeacherFactory(username="professora")

    assert fail(client, "professora", 2) == [200, 429]
    response = log_in(client, "professora", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
