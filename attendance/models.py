"""Attendance: every recognition event, and one presence per student per lesson."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school.models import Classroom, Lesson, Student


class Device(models.Model):
    """An external recognizer that posts sightings to the API with its own key."""

    KEY_PREFIX_LENGTH = 8

    name = models.CharField(_("name"), max_length=80, unique=True)
    classroom = models.ForeignKey(
        Classroom,
        verbose_name=_("only for classroom"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="devices",
        help_text=_("Leave empty to let the device report for any classroom."),
    )
    key_prefix = models.CharField(_("key prefix"), max_length=KEY_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)  # SHA-256: the key itself is never stored
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recognition device")
        verbose_name_plural = _("recognition devices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_key(self) -> str:
        """A new random key for this device (shown once); only its prefix and hash are kept."""
        key = secrets.token_urlsafe(32)
        self.key_prefix = key[: self.KEY_PREFIX_LENGTH]
        self.key_hash = hash_key(key)
        return key


def hash_key(key: str) -> str:
    # Keys are 256-bit random values, so a fast hash is enough (no dictionary to guard against).
    return hashlib.sha256(key.encode()).hexdigest()


def evidence_path(log: AttendanceLog, filename: str) -> str:
    return f"evidence/{log.seen_at:%Y/%m/%d}/{uuid.uuid4().hex}.jpg"


class AttendanceLog(models.Model):
    """One recognition event (camera or API), kept as evidence whether or not it marked anyone."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="attendance_logs"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("classroom"), on_delete=models.CASCADE, related_name="attendance_logs"
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), null=True, blank=True, on_delete=models.SET_NULL, related_name="logs"
    )
    camera = models.ForeignKey(
        "cameras.Camera",
        verbose_name=_("camera"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )
    device = models.ForeignKey(
        Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.SET_NULL, related_name="logs"
    )
    distance = models.FloatField(_("distance"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"))
    crop = models.FileField(_("face crop"), upload_to=evidence_path, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recognition log")
        verbose_name_plural = _("recognition logs")
        ordering = ["-seen_at"]
        indexes = [
            models.Index(fields=["student", "camera", "seen_at"]),
            models.Index(fields=["student", "device", "seen_at"]),
            # The hourly retention purge reads only the sightings that still hold a crop.
            models.Index(fields=["seen_at"], condition=~models.Q(crop=""), name="attendancelog_crop_seen_at"),
        ]

    def __str__(self) -> str:
        return f"{self.student} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class PresenceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")


class PresenceSource(models.TextChoices):
    CAMERA = "camera", _("Camera")
    API = "api", _("API")
    FRIGATE = "frigate", _("Frigate")
    KIOSK = "kiosk", _("Kiosk")
    MANUAL = "manual", _("Manual")
    SYSTEM = "system", _("Roll closed")  # an absence recorded when the lesson's roll was closed


class Presence(models.Model):
    """Whether a student attended a lesson. One row per (lesson, student), whoever writes it first."""

    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="presences")
    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="presences")
    status = models.CharField(_("status"), max_length=8, choices=PresenceStatus.choices)
    source = models.CharField(_("source"), max_length=8, choices=PresenceSource.choices)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    evidence = models.ForeignKey(
        AttendanceLog, verbose_name=_("evidence"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        ordering = ["lesson", "student__full_name"]
        constraints = [
            # Two cameras seeing the same student at the same instant still make one row.
            models.UniqueConstraint(fields=["lesson", "student"], name="presence_unique_lesson_student"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.get_status_display()} @ {self.lesson}"


class PresenceChange(models.Model):
    """A teacher's manual change to a presence: who, when, from what to what."""

    presence = models.ForeignKey(Presence, verbose_name=_("presence"), on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    from_status = models.CharField(_("from"), max_length=8, choices=PresenceStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=8, choices=PresenceStatus.choices)
    # What had set the presence before this change (a camera, the kiosk, a device...): a teacher's "was not here"
    # after a camera or kiosk presence is a false present of our face recognition.
    from_source = models.CharField(_("changed from source"), max_length=8, choices=PresenceSource.choices, blank=True)

    class Meta:
        verbose_name = _("presence change")
        verbose_name_plural = _("presence changes")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.changed_at:%Y-%m-%d %H:%M})"


class Roll(models.Model):
    """A lesson's roll. The system closes it once the lesson is over (ROLL_CLOSE_AFTER_MINUTES): every enrolled
    student without a presence is then recorded absent, and sightings stop changing it. Its teacher then confirms
    it; teachers may still change it for ROLL_EDIT_DAYS, secretaries at any time (each change audited)."""

    lesson = models.OneToOneField(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="roll")
    closed_at = models.DateTimeField(_("closed at"))
    absences_recorded = models.PositiveIntegerField(_("absences recorded"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("roll")
        verbose_name_plural = _("rolls")
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"{self.lesson}"


def justification_path(justification: Justification, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"justifications/{justification.start_date:%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class Justification(models.Model):
    """A justified absence (a medical certificate...): the student's absences on the lessons of these dates count
    as justified, not as missing."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="justifications"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200)
    document = models.FileField(_("document"), upload_to=justification_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("justified absence")
        verbose_name_plural = _("justified absences")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="justification_ends_after_start",
                violation_error_message=_("The last day cannot come before the first."),
            ),
        ]
        indexes = [models.Index(fields=["student", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.student}: {self.start_date:%Y-%m-%d} - {self.end_date:%Y-%m-%d}"


class AbsenceNotice(models.Model):
    """One absence alert about a student: a streak of consecutive absent school days, or frequency below the
    minimum. Unique per (student, kind, key), so a streak or an episode alerts and e-mails once, whoever checks."""

    class Kind(models.TextChoices):
        CONSECUTIVE_ABSENCE = "consecutive_absence", _("Consecutive absences")
        LOW_FREQUENCY = "low_frequency", _("Frequency below the minimum")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="absence_notices"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # consecutive_absence: the streak's first day (ISO date); low_frequency: the first day it fell below.
    key = models.CharField(_("key"), max_length=40)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence notice")
        verbose_name_plural = _("absence notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "kind", "key"], name="absence_notice_once_per_episode"),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.get_kind_display()} ({self.key})"


class NoticeEmail(models.Model):
    """Each e-mail an absence notice sent: to whom, when (or why it failed)."""

    class Recipient(models.TextChoices):
        GUARDIAN = "guardian", _("Guardian")
        TEACHER = "teacher", _("Teacher")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    notice = models.ForeignKey(AbsenceNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="emails")
    recipient_kind = models.CharField(_("recipient"), max_length=8, choices=Recipient.choices)
    address = models.EmailField(_("address"))
    # An outbox: a row is written with its notice, sent after commit, retried with backoff until sent or given up.
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice e-mail")
        verbose_name_plural = _("notice e-mails")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "address"], name="notice_email_once_per_address"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notice_email_due")]

    def __str__(self) -> str:
        return f"{self.address} ({self.notice})"
