"""The school roster: classrooms, students, enrollments, timetables and lessons."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEACHERS_GROUP = "Teachers"
SECRETARIES_GROUP = "Secretaries"
DATA_PROTECTION_GROUP = "Data protection"

year_validators = [MinValueValidator(2000), MaxValueValidator(2100)]


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering, so a date maps to its schedule without conversion.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Classroom(models.Model):
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z][0-9A-Za-z.\-_]*$",
                _("Use letters, digits, dots, dashes and underscores, e.g. 3AT.I."),
            )
        ],
    )
    name = models.CharField(_("name"), max_length=120)
    school_year = models.PositiveSmallIntegerField(_("school year"), validators=year_validators)
    active = models.BooleanField(_("active"), default=True)
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=10,
        help_text=_("A student first seen later than this after the lesson starts is marked late."),
    )
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teachers"),
        related_name="classrooms",
        blank=True,
        limit_choices_to={"groups__name": TEACHERS_GROUP},
    )
    students: models.ManyToManyField[Student, Enrollment] = models.ManyToManyField(
        "Student", through="Enrollment", related_name="classrooms"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("classroom")
        verbose_name_plural = _("classrooms")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Student(models.Model):
    full_name = models.CharField(_("full name"), max_length=160)
    registration = models.CharField(_("registration number"), max_length=32, unique=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    biometric_consent = models.BooleanField(
        _("biometric consent"),
        default=False,
        help_text=_("Face data may only be stored for students whose guardians consented."),
    )
    biometric_consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    biometric_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_consent = models.BooleanField(
        _("image consent"),
        default=False,
        help_text=_("Photos in which the student can be recognised may be shared only with this consent."),
    )
    biometric_consent_terms = models.ForeignKey(
        "ConsentTerms",
        verbose_name=_("biometric consent terms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    image_consent_terms = models.ForeignKey(
        "ConsentTerms",
        verbose_name=_("image consent terms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("Set when the student is made inactive; face data is removed after the retention period."),
    )
    frigate_name = models.CharField(
        _("name in Frigate"),
        max_length=100,
        blank=True,
        help_text=_(
            "The name Frigate's face recognition gives this student, if the school uses it "
            "(the registration number is recognised too)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["full_name"]
        permissions = [
            ("export_student_data", _("Can export all data about a student")),
            ("erase_student_data", _("Can erase a student's face data")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(biometric_consent=False) | Q(biometric_consent_at__isnull=False),
                name="student_consent_has_date",
                violation_error_message=_("Consent needs the date it was recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.registration})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever path makes a student inactive (admin, import, shell), the retention clock starts that day.
        left_on = None if self.active else (self.left_on or timezone.localdate())
        if left_on != self.left_on:
            self.left_on = left_on
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "left_on"}
        super().save(*args, **kwargs)


class ConsentKind(models.TextChoices):
    BIOMETRIC = "biometric", _("biometric (face recognition)")
    IMAGE = "image", _("image (sharing photos)")


class ConsentTerms(models.Model):
    """A published version of the text a guardian accepts: what is collected, for what, and for how long."""

    kind = models.CharField(_("kind"), max_length=16, choices=ConsentKind.choices)
    version = models.CharField(_("version"), max_length=20, help_text=_("e.g. 2026.1"))
    purpose = models.TextField(_("purpose"), help_text=_("What the data is used for, in one or two sentences."))
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent terms")
        verbose_name_plural = _("consent terms")
        ordering = ["kind", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="consent_terms_unique_kind_version",
                violation_error_message=_("These terms already have a version with this number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


def consent_form_path(record: ConsentRecord, filename: str) -> str:
    # The uploaded name is never trusted: only the extension of the re-encoded file is kept.
    suffix = Path(filename).suffix.lower()[:5]
    return f"consent/{record.student_id}/{uuid.uuid4().hex}{suffix}"


class ConsentRecord(models.Model):
    """One grant or withdrawal of a consent: the history is kept, the student row holds only the current state."""

    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=16, choices=ConsentKind.choices)
    granted = models.BooleanField(_("granted"), help_text=_("Unticked: the consent was withdrawn."))
    terms = models.ForeignKey(
        ConsentTerms,
        verbose_name=_("terms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    guardian = models.ForeignKey(
        "Guardian",
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    # Copied from the guardian when there is one, so the evidence survives an edit or deletion of that row.
    given_by = models.CharField(_("given by"), max_length=160)
    relation = models.CharField(_("relation"), max_length=40, blank=True)
    signed_form = models.FileField(_("signed form"), upload_to=consent_form_path, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["student", "kind", "-recorded_at"], name="consent_student_kind_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(granted=False) | Q(terms__isnull=False),
                name="consent_grant_has_terms",
                violation_error_message=_("A consent is given to a version of the terms."),
            ),
        ]

    def __str__(self) -> str:
        action = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_kind_display()} {action} — {self.student}"


class Guardian(models.Model):
    """Someone responsible for a student, told of absences by e-mail when they opted in."""

    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=160)
    relation = models.CharField(_("relation"), max_length=40, blank=True, help_text=_("e.g. mother, father, aunt"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    notifications = models.BooleanField(
        _("absence notifications"), default=True, help_text=_("E-mail this guardian about the student's absences.")
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["student", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.student})"


class Enrollment(models.Model):
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="enrollments"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("classroom"), on_delete=models.CASCADE, related_name="enrollments"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"), validators=year_validators)
    # A student who arrives during the year is not absent from the lessons held before they came.
    enrolled_on = models.DateField(
        _("enrolled on"),
        null=True,
        blank=True,
        help_text=_("The first day the student attends this classroom; empty: the whole school year."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["classroom__code", "student__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "classroom", "school_year"],
                name="enrollment_unique_student_classroom_year",
                violation_error_message=_("This student is already enrolled in this classroom for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} @ {self.classroom} ({self.school_year})"

    def clean(self) -> None:
        if self.classroom_id and not self.school_year:
            self.school_year = self.classroom.school_year
        if self.classroom_id and self.school_year != self.classroom.school_year:
            raise ValidationError(
                {
                    "school_year": _("The classroom %(code)s is for %(year)s.")
                    % {"code": self.classroom.code, "year": self.classroom.school_year}
                }
            )
        if self.enrolled_on is not None and self.school_year and self.enrolled_on.year != self.school_year:
            raise ValidationError(
                {"enrolled_on": _("The first day must be in the school year %(year)s.") % {"year": self.school_year}}
            )


class TimeWindowQuerySet(models.QuerySet):
    def containing(self, moment: dt.time) -> TimeWindowQuerySet:
        """Rows whose [start_time, end_time) window contains the local time `moment`."""
        return self.filter(start_time__lte=moment, end_time__gt=moment)


class LessonSchedule(models.Model):
    """A weekly timetable slot, from which concrete lessons are made."""

    classroom = models.ForeignKey(
        Classroom, verbose_name=_("classroom"), on_delete=models.CASCADE, related_name="schedules"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    subject = models.CharField(_("subject"), max_length=120)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lesson_schedules",
        limit_choices_to={"groups__name": TEACHERS_GROUP},
    )

    objects = TimeWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson schedule")
        verbose_name_plural = _("lesson schedules")
        ordering = ["classroom__code", "weekday", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "weekday", "start_time"], name="schedule_unique_classroom_weekday_start"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="schedule_ends_after_start",
                violation_error_message=_("The lesson must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.classroom} {self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.classroom_id is None or self.start_time is None or self.end_time is None:
            return
        overlapping = LessonSchedule.objects.filter(
            classroom_id=self.classroom_id,
            weekday=self.weekday,
            start_time__lt=self.end_time,
            end_time__gt=self.start_time,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(_("This slot overlaps %(slot)s.") % {"slot": overlapping.first()})


class Lesson(models.Model):
    """A concrete lesson on a date. Presence is recorded against it."""

    classroom = models.ForeignKey(
        Classroom, verbose_name=_("classroom"), on_delete=models.CASCADE, related_name="lessons"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    subject = models.CharField(_("subject"), max_length=120)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    schedule = models.ForeignKey(
        LessonSchedule,
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )

    objects = TimeWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["-date", "start_time"]
        constraints = [
            # Makes creating "today's lesson" idempotent when cameras, workers and people race.
            models.UniqueConstraint(fields=["classroom", "date", "start_time"], name="lesson_unique_classroom_start"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="lesson_ends_after_start",
                violation_error_message=_("The lesson must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["classroom", "date"])]

    def __str__(self) -> str:
        return f"{self.classroom} {self.date:%Y-%m-%d} {self.start_time:%H:%M} {self.subject}"

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start_time, tzinfo=timezone.get_default_timezone())

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end_time, tzinfo=timezone.get_default_timezone())


class TeacherManager(UserManager["Teacher"]):
    def get_queryset(self) -> models.QuerySet[Teacher]:
        return super().get_queryset().filter(groups__name=TEACHERS_GROUP)


class Teacher(User):
    """Teachers are users in the Teachers group; this proxy lets secretaries manage them without user rights."""

    objects: ClassVar[TeacherManager] = TeacherManager()

    class Meta:
        proxy = True
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")


class AccessKind(models.TextChoices):
    FACE_PHOTO = "face_photo", _("face photo")
    EVIDENCE_CROP = "evidence_crop", _("evidence crop")
    GALLERY_ORIGINAL = "gallery_original", _("original gallery photo")
    ALERT_SNAPSHOT = "alert_snapshot", _("alert snapshot")
    REPORT_EXPORT = "report_export", _("report export")
    DATA_EXPORT = "data_export", _("data export")
    CONSENT_FORM = "consent_form", _("signed consent form")
    JUSTIFICATION_DOCUMENT = "justification_document", _("justification document")
    UNKNOWN_FACE = "unknown_face", _("unknown face crop")
    PROPOSED_PHOTO = "proposed_photo", _("proposed enrollment photo")
    ERASURE = "erasure", _("erasure")


class AccessLog(models.Model):
    """Who viewed or downloaded personal data, and when: evidence a school shows its families (LGPD art. 37)."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too: the entry must still say who after the account or the student is deleted.
    username = models.CharField(_("username"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=AccessKind.choices)
    student = models.ForeignKey(
        Student,
        verbose_name=_("student"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_log",
    )
    registration = models.CharField(_("registration number"), max_length=32, blank=True, db_index=True)
    target = models.CharField(_("what"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["student", "-at"], name="access_log_student_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()} {self.target}"
