"""The page a locked-out login gets (django-axes calls lockout_response; settings.AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """429 with the lockout page, in the request's language, for the login form and the admin's alike."""
    context = {"failure_limit": settings.LOGIN_FAILURE_LIMIT, "minutes": settings.LOGIN_LOCKOUT_MINUTES}
    response = render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response
