"""API conventions shared by every app: one error shape, `{"code": ..., "detail": ...}`, on every refusal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler


class Unprocessable(APIException):
    """The request was understood but its content cannot be used (HTTP 422), with a reason code."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request cannot be processed.")
    default_code = "unprocessable"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)


class RequestTooLarge(APIException):
    """A body over UPLOAD_MAX_BYTES, or more files or fields than allowed (HTTP 413)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large, or carries too many files.")
    default_code = "request_too_large"


class DownloadView(APIView):
    """A file download (CSV, PDF): answered whatever the request's Accept says (`Accept: text/csv` too, which no
    renderer of the API names): the file, or a refusal in JSON."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        return super().perform_content_negotiation(request, force=True)


def _as_api_exception(exc: Exception) -> Exception:
    """Django's own refusals, raised inside a view, as the API's (DRF's handler would drop their reason code)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return RequestTooLarge()
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(exc, ValidationError):
        response.data = {"code": "invalid", "detail": _("Some fields are invalid."), "errors": exc.detail}
    else:
        codes = exc.get_codes()
        # A code is never empty: an exception raised with `code=""` still says which kind of refusal it is.
        code = codes if isinstance(codes, str) and codes else exc.default_code or "error"
        response.data = {"code": code, "detail": str(exc.detail)}
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 of an address no view answers: under /api/ in the API's error shape, elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
