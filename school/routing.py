"""WebSocket routes of every app, gathered for asgi.py from the modules settings.WEBSOCKET_ROUTES names.

Named by dotted path, as INSTALLED_APPS names the apps: the project imports no app above it here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings

websocket_urlpatterns: list[Any] = [
    route for module in settings.WEBSOCKET_ROUTES for route in import_module(module).websocket_urlpatterns
]
