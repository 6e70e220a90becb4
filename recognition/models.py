"""Enrollment photos: each usable one holds one face encoding of a student."""

from __future__ import annotations

import uuid

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

from school.models import Student

ENCODING_DTYPE = np.dtype("<f4")  # 128 little-endian float32: 512 bytes a face


class RejectionReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("The student has no biometric consent")
    NOT_AN_IMAGE = "not_an_image", _("Not an image, or a damaged file")
    TOO_LARGE = "too_large", _("The image is too large")
    NO_FACE = "no_face", _("No face was found")
    MULTIPLE_FACES = "multiple_faces", _("More than one face")
    FACE_TOO_SMALL = "face_too_small", _("The face is too small")
    TOO_BLURRY = "too_blurry", _("The face is too blurry")


def face_photo_path(photo: FacePhoto, filename: str) -> str:
    # Random names: a file name must not reveal who is in the photo.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"faces/{uuid.uuid4().hex}.{suffix[:5]}"


class FacePhoto(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        REJECTED = "rejected", _("Rejected")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="face_photos"
    )
    image = models.FileField(_("image"), upload_to=face_photo_path)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rejection_code = models.CharField(_("reason"), max_length=20, choices=RejectionReason.choices, blank=True)
    rejection_detail = models.CharField(_("detail"), max_length=255, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    box_top = models.PositiveIntegerField(null=True, blank=True)
    box_right = models.PositiveIntegerField(null=True, blank=True)
    box_bottom = models.PositiveIntegerField(null=True, blank=True)
    box_left = models.PositiveIntegerField(null=True, blank=True)
    face_size_px = models.PositiveIntegerField(_("face size (px)"), null=True, blank=True)
    sharpness = models.FloatField(_("sharpness"), null=True, blank=True)
    encoding = models.BinaryField(_("encoding"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face photo")
        verbose_name_plural = _("face photos")
        permissions = [("recognize", _("Can recognise students in images"))]
        ordering = ["student__full_name", "created_at"]
        constraints = [
            # The same bytes uploaded again for the same student are the same photo, not a second encoding.
            models.UniqueConstraint(fields=["student", "content_hash"], name="facephoto_unique_student_content"),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | models.Q(encoding__isnull=False),
                name="facephoto_ready_has_encoding",
            ),
        ]
        indexes = [models.Index(fields=["status", "student"])]

    def __str__(self) -> str:
        return f"{self.student} #{self.pk} ({self.get_status_display()})"

    @property
    def box(self) -> dict[str, int] | None:
        if self.box_top is None:
            return None
        return {
            "top": self.box_top,
            "right": self.box_right or 0,
            "bottom": self.box_bottom or 0,
            "left": self.box_left or 0,
        }

    def encoding_array(self) -> NDArray[np.float32]:
        if self.encoding is None:
            raise ValueError(f"face photo {self.pk} has no encoding")
        return np.frombuffer(bytes(self.encoding), dtype=ENCODING_DTYPE).astype(np.float32)


def pack_encoding(encoding: NDArray[np.floating]) -> bytes:
    return np.asarray(encoding, dtype=ENCODING_DTYPE).reshape(128).tobytes()
