"""Every page (the staff pages, the admin's, the API docs, the login form) answers with the Content Security Policy and
the security headers, and none carries what that policy would refuse: an inline script, an inline event handler or
a style attribute. A browser test (test_the_live_gallery_and_monitor_pages_run_under_the_content_security_policy_in_
a_browser.py) shows the pages still work under it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from recognition.models import Gallery
from tests.attendance.conftest import in_session
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*\stype=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_secured(response: Any, *, socket: str = "ws://testserver") -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert sorted(policy["img-src"]) == sorted(["'self'", "data:", "blob:"])
    assert policy["connect-src"] == ["'self'", socket]
    assert sorted(policy["media-src"]) == sorted(["'self'", "blob:"])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    assert features["camera"] == "(self)"  # the kiosk's webcam
    assert features["microphone"] == features["geolocation"] == features["payment"] == "()"


def assert_nothing_inline(html: str) -> None:
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []
    assert STYLE_ELEMENT.findall(html) == []


@pytest.fixture
def school(db: None) -> dict[str, Any]:
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student=StudentFactory(registration="2024001")).student
    camera = CameraFactory(classroom=classroom)
    gallery = Gallery.objects.create(title="Festa junina")
    return {"student": student, "camera": camera, "gallery": gallery}


def staff_pages(school: dict[str, Any]) -> list[str]:
    return [
        "/classes/",
        "/classes/3AT.I/live/",
        "/classes/3AT.I/kiosk/",
        "/galleries/",
        f"/galleries/{school['gallery'].pk}/",
        "/monitor/",
        "/reports/",
        "/reports/classrooms/3AT.I/diary/",
        "/reports/students/2024001/",
        "/admin/",
        "/admin/school/student/",
        f"/admin/school/student/{school['student'].pk}/change/",
        f"/admin/cameras/camera/{school['camera'].pk}/change/",
        "/admin/cameras/camera/",
        "/api/docs/",
    ]


def test_every_staff_page_has_the_policy_and_the_headers_and_nothing_inline(
    client: Client, school: dict[str, Any]
) -> None:
    client.force_login(SecretaryFactory())

    for path in staff_pages(school):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secured(response)
        assert_nothing_inline(response.content.decode())


def test_the_login_page_has_them_too(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_secured(response)
    assert_nothing_inline(response.content.decode())


def test_the_api_docs_script_is_a_file_of_its_own(client: Client) -> None:
    client.force_login(SecretaryFactory())

    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert '<script src="/api/docs/?script="></script>' in page
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_an_api_answer_has_the_headers(client: Client) -> None:
    client.force_login(SecretaryFactory())

    response = client.get("/api/attendance/state?lesson_id=0")

    assert_secured(response)


def test_behind_https_the_sockets_allowed_are_the_hosts_wss(client: Client, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["escola.example.com"]

    response = client.get("/accounts/login/", HTTP_HOST="escola.example.com", HTTP_X_FORWARDED_PROTO="https")

    assert_secured(response, socket="wss://escola.example.com")
