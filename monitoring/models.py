"""Alerts (the outbox every handler delivers from), their deliveries, serial devices and the shared switches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitoring.alert_types import alert_type_choices


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


#: An alert in one of these absorbs repeats of its type and source.
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def snapshot_path(alert: Alert, filename: str) -> str:
    return f"alerts/{alert.first_seen:%Y/%m/%d}/{alert.uuid.hex}.jpg"


class Alert(models.Model):
    """Something that needs attention. Written by ``publish`` together with its deliveries (the outbox)."""

    uuid = models.UUIDField(_("id"), unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=alert_type_choices)
    severity = models.CharField(_("severity"), max_length=10, choices=AlertSeverity.choices)
    status = models.CharField(_("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    camera = models.ForeignKey(
        "cameras.Camera", verbose_name=_("camera"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classroom = models.ForeignKey(
        "school.Classroom",
        verbose_name=_("classroom"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_key = models.CharField(_("source"), max_length=200)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    count = models.PositiveIntegerField(_("count"), default=1)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    detections = models.JSONField(_("detections"), default=list, blank=True)
    snapshot = models.FileField(_("snapshot"), upload_to=snapshot_path, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen"]
        constraints = [
            # Two processes raising the same alert at the same instant still make one open row.
            models.UniqueConstraint(
                fields=["type", "source_key"],
                condition=~Q(status="resolved"),
                name="alert_one_unresolved_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "type"]),
            models.Index(fields=["camera", "status"]),
            # The hourly retention purge reads only the alerts that still hold a snapshot.
            models.Index(fields=["first_seen"], condition=~Q(snapshot=""), name="alert_snapshot_first_seen"),
        ]
        permissions = [("control_alert_processing", _("Can start, stop and restart alert processing"))]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.source_key})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead")


class DeliveryEvent(models.TextChoices):
    RAISED = "raised", _("Raised")
    RESOLVED = "resolved", _("Resolved")


class AlertDelivery(models.Model):
    """One handler's job of announcing an alert (raised or resolved); claimed with a conditional UPDATE."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=20)
    event = models.CharField(_("event"), max_length=10, choices=DeliveryEvent.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True)  # a sender that dies mid-send is retried after it
    claim = models.CharField(max_length=32, blank=True)  # the batch that holds it: its late results count no more
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)  # e.g. Frigate's event_id
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "handler", "event"], name="delivery_unique_alert_handler_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["handler", "status"])]

    def __str__(self) -> str:
        return f"{self.handler} {self.event} {self.get_status_display()}"


class AlertProcessing(models.Model):
    """The one row of switches every process reads: delivery paused, and the handlers' configuration version."""

    paused = models.BooleanField(_("paused"), default=False)
    config_version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("alert processing")
        verbose_name_plural = _("alert processing")

    def __str__(self) -> str:
        return str(_("paused") if self.paused else _("running"))


class MonitorHeartbeat(models.Model):
    """A monitor's latest sample, written by whichever process runs it (status endpoint, health)."""

    name = models.CharField(_("monitor"), max_length=120, unique=True)  # host:<hostname>, cameras, serial
    host = models.CharField(_("host"), max_length=120)
    pid = models.PositiveIntegerField(_("process"))
    beat_at = models.DateTimeField(_("last sample at"))
    sample = models.JSONField(_("last sample"), default=dict, blank=True)

    class Meta:
        verbose_name = _("monitor heartbeat")
        verbose_name_plural = _("monitor heartbeats")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SerialDevice(models.Model):
    """An ESP32 (or any board) on a serial line that must say it is alive (see README, "Serial devices")."""

    class State(models.TextChoices):
        UNKNOWN = "unknown", _("Not heard yet")
        OK = "ok", _("Answering")
        LOST = "lost", _("Silent")

    name = models.CharField(_("name"), max_length=80, unique=True)
    port = models.CharField(_("port"), max_length=200, help_text=_("For example /dev/ttyUSB0."))
    baud_rate = models.PositiveIntegerField(_("baud rate"), default=115200)
    heartbeat_timeout_s = models.PositiveIntegerField(
        _("heartbeat timeout (seconds)"),
        default=30,
        help_text=_("Without a heartbeat for this long the device counts as silent."),
    )
    camera = models.ForeignKey(
        "cameras.Camera",
        verbose_name=_("camera"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The camera this board belongs to, if any."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Live status, written by the serial monitor.
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.UNKNOWN)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat at"), null=True, blank=True)
    uptime_s = models.PositiveIntegerField(_("uptime (seconds)"), null=True, blank=True)
    rssi_dbm = models.IntegerField(_("Wi-Fi signal (dBm)"), null=True, blank=True)
    last_line = models.CharField(_("last line"), max_length=200, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("serial device")
        verbose_name_plural = _("serial devices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
