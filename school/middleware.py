"""Security headers that Django's SecurityMiddleware does not send, and the Content Security Policy's host part."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class SecurityHeadersMiddleware:
    """Permissions-Policy (settings.PERMISSIONS_POLICY) and Cross-Origin-Resource-Policy on every response; a view
    that sets either keeps its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{name}={allow}" for name, allow in settings.PERMISSIONS_POLICY.items())
        self.resource_policy = settings.CROSS_ORIGIN_RESOURCE_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if self.resource_policy:
            response.headers.setdefault("Cross-Origin-Resource-Policy", self.resource_policy)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, with connect-src naming this host's WebSocket URL (ws: or wss:, as the page is served).

    CSP 3 lets 'self' match the same host's WebSockets, but browsers before it (older Safari) do not: naming the
    host keeps the live pages working there, and allows no other host."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts  # a refused host gets the policy without it (its response is an error page anyway)
        socket = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), socket]
        parts.update = update
        return parts
