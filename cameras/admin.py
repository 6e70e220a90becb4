from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cameras.models import Camera
from cameras.services.status import set_camera_status
from cameras.widgets import AnalyticsEditor
from school.admin_figures import rounded_field

# Written by the processor only; the admin saves just the configuration, so a save never overwrites live status.
STATUS_FIELDS = ("state", "last_frame_at", "measured_fps_rounded", "last_error", "updated_at")


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "classroom",
        "enabled",
        "state_badge",
        "last_frame_at",
        "measured_fps_rounded",
        "last_error",
    ]
    list_filter = ["enabled", "state", "classroom"]
    list_select_related = ["classroom"]
    search_fields = ["name", "classroom__code", "classroom__name", "stream_url"]
    actions = ["enable_cameras", "disable_cameras"]
    readonly_fields = [*STATUS_FIELDS, "live_view"]
    fieldsets = [
        (None, {"fields": ["name", "classroom", "stream_url", "enabled"]}),
        (_("Recognition"), {"fields": ["sample_fps", "tolerance", "dedup_seconds"]}),
        (_("Analytics"), {"fields": ["analytics"]}),
        (_("Integrations"), {"fields": ["frigate_camera"]}),
        (_("Live status"), {"fields": [*STATUS_FIELDS, "live_view"]}),
    ]
    measured_fps_rounded = rounded_field(Camera, "measured_fps", places=1)

    def get_form(
        self, request: HttpRequest, obj: Camera | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Camera]]:
        # The analytics editor draws over the camera's still; a camera not saved yet has none.
        still_url = reverse("cameras:still", args=[obj.pk]) if obj is not None and obj.pk else None
        kwargs["widgets"] = {"analytics": AnalyticsEditor(still_url=still_url), **kwargs.get("widgets", {})}
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, camera: Camera) -> SafeString:
        # Each state's colour is in static/chamada-admin.css (the CSP refuses style attributes).
        return format_html('<span class="badge state-{}">{}</span>', camera.state, camera.get_state_display())

    @admin.display(description=_("live view"))
    def live_view(self, camera: Camera) -> SafeString:
        if not camera.pk:
            return format_html("{}", "-")
        return format_html(
            '<img src="{}" alt="{}" class="camera-live-view">',
            reverse("cameras:live", args=[camera.pk]),
            _("Live view of the camera"),
        )

    def save_model(self, request: HttpRequest, obj: Camera, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        obj.save(update_fields=[*(name for name in form.fields if name not in STATUS_FIELDS), "updated_at"])
        if not obj.enabled:
            set_camera_status(obj.pk, state=Camera.State.DISABLED)  # at once, even with no processor running
        elif obj.state == Camera.State.DISABLED:
            set_camera_status(obj.pk, state=Camera.State.IDLE)

    @admin.action(description=_("Enable the selected cameras"), permissions=["change"])
    def enable_cameras(self, request: HttpRequest, queryset: QuerySet[Camera]) -> None:
        count = queryset.update(enabled=True)
        for camera_id in queryset.filter(state=Camera.State.DISABLED).values_list("pk", flat=True):
            set_camera_status(camera_id, state=Camera.State.IDLE)  # a processor picks it up within seconds
        self.message_user(
            request,
            ngettext("%(count)d camera enabled.", "%(count)d cameras enabled.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Disable the selected cameras"), permissions=["change"])
    def disable_cameras(self, request: HttpRequest, queryset: QuerySet[Camera]) -> None:
        count = queryset.update(enabled=False)
        for camera_id in queryset.values_list("pk", flat=True):
            set_camera_status(camera_id, state=Camera.State.DISABLED)  # its processor stops within seconds
        self.message_user(
            request,
            ngettext("%(count)d camera disabled.", "%(count)d cameras disabled.", count) % {"count": count},
            messages.SUCCESS,
        )
