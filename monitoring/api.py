"""REST endpoints of the background work: /health for probes, and alert processing's status and switches for staff.

Thin: each calls one service function (services/health.py, services/control.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.serializers import BackgroundStatusSerializer, HealthSerializer
from monitoring.services.control import (
    alert_processing_status,
    restart_alert_processing,
    start_alert_processing,
    stop_alert_processing,
)
from monitoring.services.health import health

#: Token first: its scheme goes into WWW-Authenticate, so an anonymous caller gets 401 (session auth alone has no
#: such header, and DRF answers 403 then). Session auth still works, with its CSRF check, for the browser.
STAFF_AUTHENTICATION: list[type[BaseAuthentication]] = [TokenAuthentication, SessionAuthentication]
NO_STORE = {"Cache-Control": "no-store"}


class IsStaff(permissions.IsAdminUser):
    message = _("Only staff may see the background work.")


class CanControlAlertProcessing(permissions.BasePermission):
    message = _("Only staff with the permission to control alert processing may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_staff and user.has_perm("monitoring.control_alert_processing"))


def staff_user(request: Request) -> User:
    assert isinstance(request.user, User)  # the permissions let only staff through
    return request.user


def status_body(status: dict[str, Any]) -> Any:
    return BackgroundStatusSerializer(status).data


HEALTH_RESPONSES = {
    200: OpenApiResponse(HealthSerializer, description=_("Working: ok, or degraded when an optional check fails.")),
    503: OpenApiResponse(HealthSerializer, description=_("Down: a required check failed or did not answer.")),
}


class HealthView(APIView):
    # No authentication at all: a probe needs no session, no CSRF and no database lookup of a user.
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary=_("Health of Chamada and what it depends on"),
        description=_("Public, for load balancers and probes; answers within HEALTH_TIMEOUT_S whatever hangs."),
        responses=HEALTH_RESPONSES,
    )
    def get(self, request: Request) -> Response:
        status, body = health(detailed=False)
        return Response(HealthSerializer(body).data, status=status, headers=NO_STORE)


class DetailedHealthView(APIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaff]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary=_("Health, with each check's detail and duration"),
        responses=HEALTH_RESPONSES,
        tags=["background"],
    )
    def get(self, request: Request) -> Response:
        status, body = health(detailed=True)
        return Response(HealthSerializer(body).data, status=status, headers=NO_STORE)


class BackgroundStatusView(APIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaff]

    @extend_schema(
        summary=_("Alert processing, monitors and alert handlers"),
        responses=BackgroundStatusSerializer,
        tags=["background"],
    )
    def get(self, request: Request) -> Response:
        return Response(status_body(alert_processing_status()), headers=NO_STORE)


class ControlView(APIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaff, CanControlAlertProcessing]


class StopAlertProcessingView(ControlView):
    @extend_schema(
        summary=_("Stop delivering alerts"),
        description=_(
            "Every process stops sending alerts within about a second; alerts are still recorded and are sent "
            "after a start. Monitors and attendance keep running."
        ),
        request=None,
        responses=BackgroundStatusSerializer,
        tags=["background"],
    )
    def post(self, request: Request) -> Response:
        return Response(status_body(stop_alert_processing(staff_user(request))))


class StartAlertProcessingView(ControlView):
    @extend_schema(
        summary=_("Deliver alerts again"),
        description=_("Alerts recorded while stopped are sent first."),
        request=None,
        responses=BackgroundStatusSerializer,
        tags=["background"],
    )
    def post(self, request: Request) -> Response:
        return Response(status_body(start_alert_processing(staff_user(request))))


class RestartAlertProcessingView(ControlView):
    @extend_schema(
        summary=_("Rebuild the alert handlers and deliver alerts"),
        description=_(
            "Every process closes its connections to the brokers and opens them again, then delivers (a stopped "
            "processing starts)."
        ),
        request=None,
        responses=BackgroundStatusSerializer,
        tags=["background"],
    )
    def post(self, request: Request) -> Response:
        return Response(status_body(restart_alert_processing(staff_user(request))))
