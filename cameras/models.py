"""Cameras: where a classroom's video comes from, and how its processor is doing."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from recognition.engine.analytics import nodes_from_config
from school.models import Classroom


# Callables, so that the defaults follow the settings instead of being frozen into a migration.
def default_sample_fps() -> float:
    return float(settings.FRAME_SAMPLER_FPS)


def default_dedup_seconds() -> int:
    return int(settings.DEDUP_MIN_SECONDS)


class Camera(models.Model):
    class State(models.TextChoices):
        IDLE = "idle", _("Idle")
        CONNECTING = "connecting", _("Connecting")
        RUNNING = "running", _("Running")
        RECONNECTING = "reconnecting", _("Reconnecting")
        ERROR = "error", _("Error")
        DISABLED = "disabled", _("Disabled")

    name = models.CharField(_("name"), max_length=80)
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("classroom"), on_delete=models.CASCADE, related_name="cameras"
    )
    stream_url = models.CharField(
        _("stream URL"),
        max_length=500,
        help_text=_("ESP32-CAM: http://<ip>/stream; RTSP: rtsp://...; or the path of a video file on the server."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    sample_fps = models.FloatField(
        _("frames analysed per second"),
        default=default_sample_fps,
        validators=[MinValueValidator(0.1), MaxValueValidator(30)],
    )
    tolerance = models.FloatField(
        _("tolerance override"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
        help_text=_("Leave empty to use the school's default."),
    )
    dedup_seconds = models.PositiveIntegerField(
        _("repeat sightings after (seconds)"),
        default=default_dedup_seconds,
        help_text=_("Sightings of the same student by this camera inside this window are logged once."),
    )
    frigate_camera = models.CharField(
        _("Frigate camera"),
        max_length=64,
        blank=True,
        help_text=_(
            "This camera's name in Frigate, if the school runs one: alerts appear there as events, and "
            "Frigate's face recognitions on it mark attendance."
        ),
    )
    analytics = models.JSONField(
        _("analytics"),
        default=dict,
        blank=True,
        help_text=_(
            "Draw the line and the zones over the camera's picture above, or type them here. "
            'A JSON object. People in view are counted unless it holds {"people_count": {"enabled": false}}. '
            'Optional: a "line" whose crossings are counted, {"a": [x, y], "b": [x, y], "in_side": "left" or '
            '"right"}, and "zones" watched for intruders, a list of {"id": "lab", "points": [[x, y], ...], '
            '"schedule": "always", "outside_lessons" or [{"weekday": 0, "start": "18:00", "end": "07:00"}], '
            '"concerns": "unknown" or "everyone"}. Points are fractions of the image: [0, 0] is its top-left '
            "corner, [1, 1] its bottom-right one; weekday 0 is Monday."
        ),
    )
    # Live status, written by the processor.
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.IDLE)
    last_frame_at = models.DateTimeField(_("last frame at"), null=True, blank=True)
    measured_fps = models.FloatField(_("measured fps"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["classroom__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.classroom})"

    def clean(self) -> None:
        if self.analytics is None:  # an emptied form field: no analytics settings, the defaults
            self.analytics = {}
        try:
            nodes_from_config(self.analytics)
        except ValueError as error:
            raise ValidationError({"analytics": str(error)}) from error


class CameraMinute(models.Model):
    """One minute of a camera's pipeline, for the monitor's charts: written by the processor when the minute ends
    (or it stops), kept MONITOR_HISTORY_DAYS days."""

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="minutes")
    minute = models.DateTimeField(_("minute"))  # its start, seconds zeroed
    frames = models.PositiveIntegerField(_("frames read"), default=0)
    analysed = models.PositiveIntegerField(_("frames analysed"), default=0)
    fps = models.FloatField(_("frames per second"), default=0.0)
    processing_p50 = models.FloatField(_("processing time p50 (s)"), null=True, blank=True)
    processing_p95 = models.FloatField(_("processing time p95 (s)"), null=True, blank=True)
    faces = models.PositiveIntegerField(_("faces"), default=0)  # detections summed over the analysed frames
    known = models.PositiveIntegerField(_("known faces"), default=0)
    unknown = models.PositiveIntegerField(_("unknown faces"), default=0)
    people_max = models.PositiveIntegerField(_("people (max)"), null=True, blank=True)
    crossings_in = models.PositiveIntegerField(_("crossings in"), default=0)
    crossings_out = models.PositiveIntegerField(_("crossings out"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        verbose_name = _("camera minute")
        verbose_name_plural = _("camera minutes")
        ordering = ["camera", "minute"]
        constraints = [models.UniqueConstraint(fields=["camera", "minute"], name="camera_minute_unique")]
        indexes = [models.Index(fields=["minute"], name="camera_minute_minute")]

    def __str__(self) -> str:
        return f"{self.camera_id} @ {self.minute:%Y-%m-%d %H:%M}"
