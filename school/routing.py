"""WebSocket routes of every app, gathered for asgi.py."""

from __future__ import annotations

from typing import Any

from attendance.routing import websocket_urlpatterns as attendance_routes
from recognition.routing import websocket_urlpatterns as recognition_routes

websocket_urlpatterns: list[Any] = [*attendance_routes, *recognition_routes]
