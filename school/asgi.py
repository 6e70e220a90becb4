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

from cameras.services.supervisor import embedded_cameras_wanted, with_embedded_cameras  # noqa: E402

if embedded_cameras_wanted():
    # Embedded mode (no Redis): the camera processors run in this process; CHAMADA_EMBEDDED_CAMERAS=0 turns it off.
    application = with_embedded_cameras(application)
