"""Enrollment photos: each usable one holds one face encoding of a student."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

from recognition.engine.geometry import FaceBox
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
        return unpack_encoding(self.encoding)


def pack_encoding(encoding: NDArray[np.floating]) -> bytes:
    return np.asarray(encoding, dtype=ENCODING_DTYPE).reshape(128).tobytes()


def unpack_encoding(stored: bytes | memoryview) -> NDArray[np.float32]:
    """A stored encoding (what :func:`pack_encoding` wrote) as a float32 vector of its own (writable)."""
    return np.frombuffer(bytes(stored), dtype=ENCODING_DTYPE).astype(np.float32)


def unpack_encodings(stored: Iterable[bytes | memoryview]) -> NDArray[np.float32]:
    """Stored encodings as one (n, 128) float32 matrix, in order; (0, 128) for none."""
    joined = b"".join(bytes(encoding) for encoding in stored)
    return np.frombuffer(joined, dtype=ENCODING_DTYPE).reshape(-1, 128).astype(np.float32)


# --- Gallery recognition ----------------------------------------------------------------------------------------


class Gallery(models.Model):
    """An event's photos (a school trip, a party), in which the enrolled students are found."""

    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    classrooms = models.ManyToManyField(
        "school.Classroom",
        verbose_name=_("classrooms"),
        blank=True,
        related_name="galleries",
        help_text=_("Only these classrooms' students are looked for; none: every enrolled student."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    blur_unknown_faces = models.BooleanField(_("blur unknown faces"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gallery")
        verbose_name_plural = _("galleries")
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return self.title


def gallery_photo_path(photo: GalleryPhoto, filename: str) -> str:
    # Random names, as for face photos: a file name must not reveal who is in the photo.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"galleries/{uuid.uuid4().hex}.{suffix[:5]}"


class GalleryPhoto(models.Model):
    gallery = models.ForeignKey(Gallery, verbose_name=_("gallery"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("image"), upload_to=gallery_photo_path)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gallery photo")
        verbose_name_plural = _("gallery photos")
        ordering = ["gallery", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["gallery", "content_hash"], name="galleryphoto_unique_gallery_content"),
        ]

    def __str__(self) -> str:
        return f"{self.gallery} #{self.pk}"


class PhotoJob(models.Model):
    """The face processing of one gallery photo: its state survives worker crashes and retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        ERROR = "error", _("Error")  # the image cannot be used: retrying would not help
        DEAD = "dead", _("Dead")  # failed every attempt

    photo = models.OneToOneField(GalleryPhoto, verbose_name=_("photo"), on_delete=models.CASCADE, related_name="job")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    settings_used = models.JSONField(_("settings used"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("photo job")
        verbose_name_plural = _("photo jobs")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.photo} ({self.get_status_display()})"


class PhotoFace(models.Model):
    """A face found in a gallery photo."""

    photo = models.ForeignKey(GalleryPhoto, verbose_name=_("photo"), on_delete=models.CASCADE, related_name="faces")
    index = models.PositiveIntegerField(_("index"))  # 0 = the largest face
    box_top = models.PositiveIntegerField()
    box_right = models.PositiveIntegerField()
    box_bottom = models.PositiveIntegerField()
    box_left = models.PositiveIntegerField()
    detection_score = models.FloatField(_("detection score"), null=True, blank=True)
    encoding = models.BinaryField(_("encoding"), editable=False)

    class Meta:
        verbose_name = _("photo face")
        verbose_name_plural = _("photo faces")
        ordering = ["photo", "index"]
        constraints = [models.UniqueConstraint(fields=["photo", "index"], name="photoface_unique_photo_index")]

    def __str__(self) -> str:
        return f"{self.photo} face {self.index}"

    @property
    def box(self) -> dict[str, int]:
        return {"top": self.box_top, "right": self.box_right, "bottom": self.box_bottom, "left": self.box_left}

    def face_box(self) -> FaceBox:
        return FaceBox(self.box_top, self.box_right, self.box_bottom, self.box_left)


class FaceMatch(models.Model):
    """A student a gallery face may be; `confirmed` is a person's review (None: not reviewed yet)."""

    photo_face = models.ForeignKey(PhotoFace, verbose_name=_("face"), on_delete=models.CASCADE, related_name="matches")
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="gallery_matches"
    )
    distance = models.FloatField(_("distance"))
    similarity = models.FloatField(_("similarity"))
    confirmed = models.BooleanField(_("confirmed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face match")
        verbose_name_plural = _("face matches")
        ordering = ["photo_face", "distance"]
        constraints = [models.UniqueConstraint(fields=["photo_face", "student"], name="facematch_unique_face_student")]

    def __str__(self) -> str:
        return f"{self.photo_face} = {self.student}"


class ProcessingCache(models.Model):
    """Detection and matching results by image content and settings, so the same photo is never processed twice.

    `key` is the sha256 of the content hash, tolerance, max faces and matcher index version: enrolling a face
    (a new index version) or other settings give a new key.
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("processing cache entry")
        verbose_name_plural = _("processing cache entries")

    def __str__(self) -> str:
        return self.key


# --- Learning from staff corrections (issue 15) ---------------------------------------------------------------


def review_crop_path(face: UnknownFace, filename: str) -> str:
    return f"review/{face.seen_at:%Y/%m}/{uuid.uuid4().hex}.jpg"


class FaceGroup(models.Model):
    """Unknown faces believed to be one person (a cluster of their encodings), and what staff decided about it."""

    class Decision(models.TextChoices):
        OPEN = "open", _("to review")
        STUDENT = "student", _("a student")
        NOT_A_STUDENT = "not_a_student", _("not a student")
        IGNORED = "ignored", _("ignored")

    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.OPEN)
    student = models.ForeignKey(
        Student,
        verbose_name=_("student"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="face_groups",
    )
    # The mean of the members' encodings (ENCODING_DTYPE), kept so a new face joins a group without reclustering.
    centroid = models.BinaryField(_("centroid"), editable=False)
    size = models.PositiveIntegerField(_("faces"), default=0)
    first_seen_at = models.DateTimeField(_("first seen at"))
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face group")
        verbose_name_plural = _("face groups")
        ordering = ["-size", "-last_seen_at"]
        indexes = [models.Index(fields=["decision", "-size"], name="facegroup_decision_size")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="student", student__isnull=False) | ~models.Q(decision="student"),
                name="facegroup_student_decision_names_student",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.size})"


class UnknownFace(models.Model):
    """A face nobody could name, kept for review: a camera track that stayed unknown through a lesson (its best
    crop and encoding) or a gallery face without a match."""

    class Source(models.TextChoices):
        CAMERA = "camera", _("camera")
        GALLERY = "gallery", _("gallery")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    group = models.ForeignKey(
        FaceGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="faces"
    )
    encoding = models.BinaryField(_("encoding"), editable=False)
    crop = models.FileField(_("face crop"), upload_to=review_crop_path, blank=True)
    seen_at = models.DateTimeField(_("seen at"), db_index=True)
    where = models.CharField(_("where"), max_length=160, blank=True)  # the camera's or the gallery's name
    classroom = models.ForeignKey(
        "school.Classroom", verbose_name=_("classroom"), null=True, blank=True, on_delete=models.SET_NULL
    )
    lesson = models.ForeignKey(
        "school.Lesson", verbose_name=_("lesson"), null=True, blank=True, on_delete=models.SET_NULL
    )
    photo_face = models.OneToOneField(
        PhotoFace,
        verbose_name=_("gallery face"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unknown_face",
    )
    # Identifies the camera track (camera, lesson, track), so reporting it twice stores it once.
    track_key = models.CharField(_("track"), max_length=80, blank=True)
    quality = models.FloatField(_("quality"), default=0.0)  # higher is better: how the best crop was chosen
    clustered = models.BooleanField(_("clustered"), default=False, db_index=True)
    offered = models.BooleanField(
        _("offered to the teacher"),
        default=False,
        help_text=_("Its group was assigned to a student during the lesson: the teacher was offered to mark them."),
    )

    class Meta:
        verbose_name = _("unknown face")
        verbose_name_plural = _("unknown faces")
        ordering = ["-seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["track_key"], condition=~models.Q(track_key=""), name="unknownface_unique_track"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.seen_at:%Y-%m-%d %H:%M} {self.where}"


class NegativeExample(models.Model):
    """A face staff said is *not* this student: the matcher never gives the student a face closer to one of these
    than to the student's own enrolled faces."""

    class Source(models.TextChoices):
        GALLERY_REJECTION = "gallery_rejection", _("a gallery match rejected")
        TEACHER_NOT_HERE = "teacher_not_here", _("a camera presence the teacher said was not here")
        REVIEW = "review", _("a face review")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="negative_examples"
    )
    encoding = models.BinaryField(_("encoding"), editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # What it came from, e.g. "face match 12" or "presence 40": evidence for whoever reviews it.
    origin = models.CharField(_("from"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("negative example")
        verbose_name_plural = _("negative examples")
        ordering = ["student", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "source", "origin"],
                condition=~models.Q(origin=""),
                name="negativeexample_unique_origin",
            ),
        ]

    def __str__(self) -> str:
        return f"≠ {self.student} ({self.get_source_display()})"


class LookalikePair(models.Model):
    """Two enrolled students whose nearest encodings are closer than tolerance + margin: the matcher asks a larger
    margin between them, and secretaries are told (add photos, review). Recomputed when enrollments change."""

    student_a = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("student"))
    student_b = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("look-alike"))
    distance = models.FloatField(_("distance"))
    same_classroom = models.BooleanField(_("same classroom"), default=False)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("look-alike pair")
        verbose_name_plural = _("look-alike pairs")
        ordering = ["-same_classroom", "distance"]
        constraints = [
            models.UniqueConstraint(fields=["student_a", "student_b"], name="lookalikepair_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(student_a__lt=models.F("student_b")), name="lookalikepair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_a} ~ {self.student_b} ({self.distance:.2f})"


def proposal_crop_path(proposal: EnrollmentProposal, filename: str) -> str:
    return f"proposals/{uuid.uuid4().hex}.jpg"


class EnrollmentProposal(models.Model):
    """A camera crop of a confident recognition offered as a fresh enrollment photo of a student whose photos are
    old; a secretary accepts (it becomes a FacePhoto, through the enrollment checks) or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to decide")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="enrollment_proposals"
    )
    crop = models.FileField(_("face crop"), upload_to=proposal_crop_path, blank=True)  # emptied once refused
    encoding = models.BinaryField(_("encoding"), editable=False)
    distance = models.FloatField(_("distance"))
    margin = models.FloatField(_("margin"))
    seen_at = models.DateTimeField(_("seen at"))
    where = models.CharField(_("where"), max_length=160, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    face_photo = models.OneToOneField(
        FacePhoto,
        verbose_name=_("face photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal",
    )

    class Meta:
        verbose_name = _("enrollment proposal")
        verbose_name_plural = _("enrollment proposals")
        ordering = ["status", "-seen_at"]
        constraints = [
            # One pending proposal per student at a time: the camera proposes again only after a decision.
            models.UniqueConstraint(
                fields=["student"], condition=models.Q(status="pending"), name="enrollmentproposal_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} ({self.get_status_display()})"
