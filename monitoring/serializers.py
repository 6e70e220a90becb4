"""The shapes of the background status and health answers (responses only: these endpoints take no body)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AlertProcessingSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[("running", _("Running")), ("stopped", _("Stopped"))])
    changed_at = serializers.DateTimeField(allow_null=True, help_text=_("When it was last started or stopped."))
    changed_by = serializers.CharField(allow_null=True, help_text=_("The username of who did it."))
    alerts_processed = serializers.IntegerField(help_text=_("Alerts recorded, all time."))
    open_alerts = serializers.IntegerField(help_text=_("Alerts not resolved yet."))
    cameras_processing = serializers.IntegerField(
        allow_null=True,
        help_text=_("Enabled cameras whose processor is running; null when that cannot be read now."),
    )


class MonitorSerializer(serializers.Serializer):
    name = serializers.CharField()
    host = serializers.CharField()
    pid = serializers.IntegerField()
    running = serializers.BooleanField(help_text=_("It sampled within the last three intervals."))
    last_sample_at = serializers.DateTimeField()
    sample = serializers.DictField(help_text=_("The monitor's latest measurements."))


class HandlerStatusSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_('"database" is the alerts table itself: every alert is recorded.'))
    state = serializers.ChoiceField(
        choices=[("active", _("Active")), ("failing", _("Failing")), ("disabled", _("Disabled"))],
        help_text=_("Failing: deliveries wait for a retry, or one was given up in the last hour."),
    )
    sent = serializers.IntegerField(help_text=_("Delivered."))
    failed = serializers.IntegerField(help_text=_("Failed at least once; waiting to be retried."))
    pending = serializers.IntegerField(help_text=_("Not tried yet, or being sent."))
    dead = serializers.IntegerField(help_text=_("Given up after the last attempt; the admin can retry them."))


class BackgroundStatusSerializer(serializers.Serializer):
    alert_processing = AlertProcessingSerializer()
    monitors = MonitorSerializer(many=True)
    handlers = HandlerStatusSerializer(many=True)


class HealthCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            ("ok", _("OK")),
            ("down", _("Down")),
            ("timeout", _("No answer in time")),
            ("disabled", _("Not used by this deployment")),
        ]
    )
    # The metaclass takes declared fields off the class, so this "required" does not shadow Field.required.
    required = serializers.BooleanField(  # type: ignore[assignment]
        help_text=_("Chamada cannot work without it: down means HTTP 503.")
    )
    detail = serializers.CharField(
        required=False, help_text=_("What failed, or what was found (detailed answers only).")
    )
    ms = serializers.FloatField(
        required=False, help_text=_("How long it took, in milliseconds (detailed answers only).")
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("ok", _("OK")), ("degraded", _("Degraded")), ("down", _("Down"))],
        help_text=_("Down (HTTP 503): a required check failed. Degraded: only optional ones did."),
    )
    checks = serializers.DictField(child=HealthCheckSerializer())
    live = serializers.DictField(
        help_text=_(
            "This process's live work: model_loaded (face models in memory), sockets (open WebSockets per "
            "consumer), kiosk (frames processed, dropped by rate limit and while busy, the frame cache's size and "
            "hit rate, processing time mean and p95)."
        )
    )
