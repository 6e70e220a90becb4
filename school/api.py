"""API conventions shared by every app: one error shape, `{"code": ..., "detail": ...}`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Unprocessable(APIException):
    """The request was understood but its content cannot be used (HTTP 422), with a reason code."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request cannot be processed.")
    default_code = "unprocessable"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(exc, ValidationError):
        response.data = {"code": "invalid", "detail": _("Some fields are invalid."), "errors": exc.detail}
    else:
        codes = exc.get_codes()
        response.data = {"code": codes if isinstance(codes, str) else "error", "detail": str(exc.detail)}
    return response
