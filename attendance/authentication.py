"""`Authorization: Api-Key <key>` for recognition devices."""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from attendance.models import Device, hash_key


class DevicePrincipal:
    """Stands in for request.user when a device, not a person, is calling."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, device: Device) -> None:
        self.device = device

    def __str__(self) -> str:
        return f"device {self.device.name}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[DevicePrincipal, Device] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Api-Key header."), code="bad_api_key")
        key = header[1]
        device = Device.objects.filter(key_prefix=key[: Device.KEY_PREFIX_LENGTH], active=True).first()
        if device is None or not hmac.compare_digest(device.key_hash, hash_key(key)):
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."), code="bad_api_key")
        Device.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        return DevicePrincipal(device), device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsDevice(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Device)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "attendance.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Api-Key <key>"}
