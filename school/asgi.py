"""ASGI entry point: HTTP through Django, WebSockets through the apps' Channels routes."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
# Django must be set up before the routing modules import models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from school.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

# Embedded mode (no Redis): the apps' background services (camera processors, monitors) run in this process. Each
# wrapper wraps the application only where its service is wanted (embedded, not switched off, not under pytest).
# Named by dotted path, as INSTALLED_APPS names the apps: the project imports none of them here.
for wrapper in settings.EMBEDDED_ASGI_WRAPPERS:
    application = import_string(wrapper)(application)
