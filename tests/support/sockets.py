"""Helpers of the WebSocket tests (channels.testing.WebsocketCommunicator, or a real client against daphne)."""

from __future__ import annotations

from typing import Any

from django.test import Client


def session_headers(user: Any) -> list[tuple[bytes, bytes]]:
    """The headers of a WebSocket handshake from `user`'s browser on this site (its session cookie, the origin)."""
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")]
