"""A login lasts until the browser closes (a session cookie) and at most SESSION_COOKIE_AGE (8 hours by default, a
school day) after it: a staff computer left logged in is logged out by the next morning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, SecretaryFactory

pytestmark = pytest.mark.django_db


def log_in(client: Client) -> Any:
    SecretaryFactory(username="secretaria")
    response = client.post("/accounts/login/", {"username": "secretaria", "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_the_session_cookie_ends_with_the_browser(client: Client, settings: Any) -> None:
    response = log_in(client)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True


def test_the_session_ends_eight_hours_after_the_login(client: Client, settings: Any) -> None:
    before = timezone.now()
    log_in(client)

    session = Session.objects.get()
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert before + dt.timedelta(hours=8) <= session.expire_date <= timezone.now() + dt.timedelta(hours=8)
    assert client.get("/classes/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # the school day is over

    response = client.get("/classes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
