"""API throttles: a rate per scope (settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), counted per client.

A view names its scope (`throttle_scope = "sightings"`) and lists ScopedClientThrottle in `throttle_classes`; plain
Django views (forms) wrap themselves in `throttled(scope)` and share the same count.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedClientThrottle(ScopedRateThrottle):
    """ScopedRateThrottle counted per device (an Api-Key's), else per user, else per address; reads do not count.

    A classroom's devices and people share one address behind the school's NAT, so the address is the last resort.
    The rate is read at each request, not at import as REST framework's own class does, so settings changes (tests,
    a reload) apply.
    """

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate for the scope {self.scope!r} in DEFAULT_THROTTLE_RATES")
        return str(rates[self.scope])

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(request, self.get_ident)}


def client_ident(request: Any, address: Callable[[Any], str]) -> str:
    user = getattr(request, "user", None)
    device = getattr(user, "device", None)  # attendance.authentication.DevicePrincipal
    if device is not None:
        return f"device-{device.pk}"
    if user is not None and user.is_authenticated:
        return f"user-{user.pk}"
    return f"address-{address(request)}"


class _PlainView:
    """What ScopedRateThrottle reads from a view, for a plain Django view."""

    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def throttled(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a plain Django view (an upload form) with the API's throttle of `scope`: too fast a client gets a
    429 page with Retry-After, counted together with the API's requests of that scope."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            throttle = ScopedClientThrottle()
            if not throttle.allow_request(request, _PlainView(scope)):
                wait = throttle.wait()
                response = HttpResponse(_("Too many requests: wait a moment and try again."), status=429)
                response["Content-Type"] = "text/plain; charset=utf-8"
                if wait is not None:
                    response["Retry-After"] = str(max(1, round(wait)))
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
