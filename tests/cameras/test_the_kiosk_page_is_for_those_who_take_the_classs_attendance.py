"""The kiosk page /classes/<code>/kiosk/: for the classroom's teachers and the secretaries, with what its script
needs (the frame socket's path and the kiosk's settings) and its words in the school's language."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import ClassroomFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db

KIOSK = "/classes/3AT.I/kiosk/"


def kiosk_settings(page: str) -> Any:
    found = re.search(r'<script id="kiosk-settings" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no kiosk settings in the page"
    return json.loads(found.group(1))


def test_only_the_classs_teachers_and_the_secretaries_open_the_kiosk(client: Client) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    own, foreign = TeacherFactory(classrooms=[classroom]), TeacherFactory(classrooms=[ClassroomFactory()])

    anonymous = client.get(KIOSK)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(foreign)
    assert client.get(KIOSK).status_code == 403
    client.force_login(own)
    assert client.get(KIOSK).status_code == 200
    client.force_login(SecretaryFactory())
    assert client.get(KIOSK).status_code == 200


def test_the_page_gives_its_script_the_frame_socket_and_the_kiosks_settings(client: Client, settings: Any) -> None:
    settings.KIOSK_LIVENESS = "off"
    settings.KIOSK_FRAME_INTERVAL_S = 0.5
    settings.KIOSK_BLINK_INTERVAL_S = 0.2
    client.force_login(TeacherFactory(classrooms=[ClassroomFactory(code="3AT.I")]))

    page = client.get(KIOSK).content.decode()

    assert 'data-socket-path="/ws/frames/3AT.I/"' in page
    assert kiosk_settings(page) == {
        "frame_interval_ms": 500,
        "blink_interval_ms": 200,
        "max_width": 640,
        "jpeg_quality": 0.8,
        "liveness": "off",
    }
    assert "cameras/kiosk.js" in page and "cameras/kiosk.css" in page
    assert 'data-frames-sent="0"' in page and 'data-replies="0"' in page


def test_the_kiosk_speaks_brazilian_portuguese_and_english(client: Client) -> None:
    client.force_login(TeacherFactory(classrooms=[ClassroomFactory(code="3AT.I")]))

    english = client.get(KIOSK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    portuguese = client.get(KIOSK).content.decode()  # the school's default language

    assert "Blink your eyes" in english and "There is no lesson now: nobody will be marked" in english
    assert "Pisque os olhos" in portuguese
    assert "Não há aula agora: ninguém será marcado" in portuguese
    assert "Chegue mais perto" in portuguese
