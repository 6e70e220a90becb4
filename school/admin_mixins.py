"""Admin building blocks every app's admin shares."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For records written by the system (evidence, history, logs): listed and opened, never added, changed or
    deleted from the admin, by anyone (superusers included). Works for ModelAdmins and inlines."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: Who decided a row staff decide through a service, and when (the service writes both).
DECIDED_FIELDS = ("decided_by", "decided_at")


class DecidedAdmin(admin.ModelAdmin):
    """For rows staff decide through a service (face groups, enrollment proposals): "decided by" and "decided at"
    end the change page, read-only, after the admin's own `fields` and `readonly_fields` (which leave them out)."""

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [*(name for name in super().get_fields(request, obj) if name not in DECIDED_FIELDS), *DECIDED_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        own = super().get_readonly_fields(request, obj)
        return [*(name for name in own if name not in DECIDED_FIELDS), *DECIDED_FIELDS]
