"""The menu links to the monitor for staff who may see the cameras (the secretaries) and for nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SecretaryFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db


def menu_of(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.get("/classes/").content.decode()


def test_a_secretary_has_the_monitor_in_the_menu() -> None:
    assert 'href="/monitor/"' in menu_of(SecretaryFactory())


def test_teachers_and_other_staff_do_not() -> None:
    assert 'href="/monitor/"' not in menu_of(TeacherFactory())
    assert 'href="/monitor/"' not in menu_of(UserFactory(is_staff=True))
