"""The API's refusals in its OpenAPI schema: one error shape (`ApiError`) and, on every operation, each 4xx status
it can answer.

What the framework decides is documented here from the view itself, so no decorator can forget it: 401 and 403
(authentication and permissions), 404 (a path with parameters), 400, 413 and 415 (a request body), 406 (content
negotiation: every operation but downloads) and 429 (a view with throttles). What a view decides itself (a 422 and
its reason codes, a 400 of its own, a 404 of a query parameter, a 403 with a code of its own) its `extend_schema`
declares with `refused()`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from school.api import DownloadView
from school.throttling import ScopedClientThrottle

#: The reason codes the framework gives each status, whatever the operation.
GENERIC_CODES: dict[int, tuple[str, ...]] = {
    400: ("invalid", "parse_error"),
    401: ("not_authenticated", "authentication_failed"),
    403: ("permission_denied", "not_authenticated"),
    404: ("not_found",),
    406: ("not_acceptable",),
    413: ("request_too_large",),
    415: ("unsupported_media_type",),
    422: (),
    429: ("throttled",),
}
DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed: `invalid` (its fields, each one's messages in `errors`) or `parse_error` "
    "(a body that cannot be read).",
    401: "No credentials, or credentials that are wrong or revoked.",
    403: "The caller may not do this (`not_authenticated`: no credentials where a session is expected).",
    404: "Nothing exists at this address.",
    406: "None of the media types in `Accept` can be answered.",
    413: "The request body is too large, or carries too many files.",
    415: "The request body's media type is not one this operation reads.",
    422: "The request was understood but cannot be carried out.",
    429: "Too many requests: wait for the seconds in `Retry-After`.",
}


class ApiErrorSerializer(serializers.Serializer):
    """Every refusal of the API (4xx)."""

    code = serializers.CharField(
        min_length=1, help_text="Why, for programs: a stable reason code (each status lists its own)."
    )
    detail = serializers.CharField(help_text="Why, for people, in the request's language.")
    # The metaclass takes declared fields off the class, so this does not shadow Serializer.errors.
    errors = serializers.JSONField(  # type: ignore[assignment]
        required=False, help_text="With `invalid`: the messages of each field that is wrong, by field name."
    )


def refused(status: int, *codes: str, description: str = "") -> dict[int, OpenApiResponse]:
    """An `extend_schema(responses=...)` entry: the operation answers `status` with these reason codes too (the
    framework's own codes for that status are listed with them)."""
    return {status: OpenApiResponse(ApiErrorSerializer, description=_describe(status, codes, description))}


def _describe(status: int, codes: tuple[str, ...], description: str = "") -> str:
    every = [*dict.fromkeys([*GENERIC_CODES.get(status, ()), *codes])]
    text = description or DESCRIPTIONS.get(status, "")
    listed = ", ".join(f"`{code}`" for code in every)
    return f"{text} Reason codes: {listed}." if listed else text


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding to each operation the refusals the framework makes (see the module's docstring)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses: dict[str, Any] = operation["responses"]
        error = {"application/json": {"schema": self.resolve_serializer(ApiErrorSerializer(), "response").ref}}
        for status in self._framework_statuses(operation):
            responses.setdefault(str(status), {"description": _describe(status, ()), "content": error})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _framework_statuses(self, operation: dict[str, Any]) -> list[int]:
        view = self.view
        # Content negotiation refuses an Accept that no renderer answers; downloads answer any.
        statuses = [] if isinstance(view, DownloadView) else [406]
        if not all(isinstance(permission, permissions.AllowAny) for permission in view.get_permissions()):
            statuses.append(403)
            authenticators = view.get_authenticators()
            # DRF answers 401 only when the first authentication scheme can send a WWW-Authenticate challenge.
            if authenticators and authenticators[0].authenticate_header(None):  # type: ignore[arg-type]
                statuses.append(401)
        if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
            statuses.append(404)
        session = any(isinstance(auth, SessionAuthentication) for auth in view.get_authenticators())
        # The session's CSRF check reads a POST's body even where the view reads none.
        if operation.get("requestBody") or (self.method == "POST" and session):
            statuses += [400, 413, 415]
        if any(self._counts(throttle) for throttle in view.get_throttles()):
            statuses.append(429)
        return statuses

    def _counts(self, throttle: Any) -> bool:
        # ScopedClientThrottle lets reads through uncounted.
        return not (isinstance(throttle, ScopedClientThrottle) and self.method in permissions.SAFE_METHODS)
