from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from monitoring.models import Alert, AlertDelivery, AlertStatus, MonitorHeartbeat, SerialDevice
from monitoring.services.delivery import retry_dead
from monitoring.services.publish import acknowledge
from school.admin_mixins import ReadOnlyAdminMixin

# Alerts and deliveries are written by Chamada alone: the admin shows them, acknowledges and retries.
ALERT_FIELDS = (
    "uuid",
    "type",
    "severity",
    "status",
    "camera",
    "classroom",
    "source_key",
    "first_seen",
    "last_seen",
    "count",
    "payload",
    "detections",
    "snapshot_image",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_at",
)
DELIVERY_FIELDS = (
    "handler",
    "event",
    "status",
    "attempts",
    "next_attempt_at",
    "delivered_at",
    "external_id",
    "last_error",
)
SERIAL_STATUS_FIELDS = ("state", "last_heartbeat_at", "uptime_s", "rssi_dbm", "last_line", "last_error")


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AlertDelivery
    extra = 0
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["type", "severity_badge", "status", "camera", "classroom", "count", "first_seen", "last_seen"]
    list_filter = ["status", "type", "severity", "camera"]
    list_select_related = ["camera", "classroom"]
    search_fields = ["source_key", "camera__name", "classroom__code"]
    date_hierarchy = "first_seen"
    actions = ["acknowledge_alerts"]
    inlines = [DeliveryInline]
    fields = ALERT_FIELDS
    readonly_fields = ALERT_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # alerts are raised by Chamada, not typed in

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, alert: Alert) -> SafeString:
        # Each severity's colour is in static/chamada-admin.css (the CSP refuses style attributes).
        return format_html('<span class="badge severity-{}">{}</span>', alert.severity, alert.get_severity_display())

    @admin.display(description=_("snapshot"))
    def snapshot_image(self, alert: Alert) -> SafeString:
        if not alert.snapshot:
            return format_html("{}", "-")
        return format_html(
            '<img src="{}" alt="{}" class="alert-snapshot">',
            reverse("monitoring:alert-snapshot", args=[alert.pk]),
            _("Snapshot"),
        )

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge_alerts(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        done = sum(acknowledge(alert, request.user) for alert in queryset.filter(status=AlertStatus.OPEN))
        self.message_user(
            request,
            ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", done) % {"count": done},
            messages.SUCCESS,
        )


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ["alert", "handler", "event", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["status", "handler", "event"]
    list_select_related = ["alert"]
    actions = ["retry_deliveries"]
    readonly_fields = [field.name for field in AlertDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Retry the selected dead deliveries"), permissions=["view"])
    def retry_deliveries(self, request: HttpRequest, queryset: QuerySet[AlertDelivery]) -> None:
        count = retry_dead(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(SerialDevice)
class SerialDeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "port", "camera", "enabled", "state", "last_heartbeat_at", "uptime_s", "rssi_dbm"]
    list_filter = ["enabled", "state"]
    search_fields = ["name", "port"]
    readonly_fields = SERIAL_STATUS_FIELDS
    fieldsets = [
        (None, {"fields": ("name", "port", "baud_rate", "heartbeat_timeout_s", "camera", "enabled")}),
        (_("Live status"), {"fields": SERIAL_STATUS_FIELDS}),
    ]


@admin.register(MonitorHeartbeat)
class MonitorHeartbeatAdmin(admin.ModelAdmin):
    """Written by the monitors. A machine that no longer runs them is deleted here, or /health stays degraded."""

    list_display = ["name", "host", "pid", "beat_at"]
    readonly_fields = ("name", "host", "pid", "beat_at", "sample")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
