"""Helpers of the monitor socket tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client


def session_headers(user_factory: Callable[[], Any]) -> list[tuple[bytes, bytes]]:
    """The headers of a browser logged in as a new user of `user_factory` (its session cookie, a local origin)."""
    client = Client()
    client.force_login(user_factory())
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")]
