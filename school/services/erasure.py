"""Erasing a student's face data, the family's right (LGPD art. 18), and what an erasure would remove.

Everything a face could be recognised from goes: the enrollment photos and their encodings, the sightings' face
crops, the student's faces in gallery photos (blurred in the photo itself, so every rendition blurs them from then
on) with every match, the stored gallery results naming the student, alert snapshots showing the student; the
biometric and image consents are withdrawn (the withdrawals recorded). What school law and the school's records
need stays: the roster data, presences and the sightings behind them (without their images), justifications,
the consent history and the access log. The access log keeps a receipt of each erasure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import AbsenceNotice, AttendanceLog, Justification, Presence, PresenceChange
from recognition.models import FacePhoto
from recognition.services import enrollment
from recognition.services.face_erasure import erase_gallery_faces, gallery_holdings
from recognition.services.index import bump_index_version
from school.models import AccessKind, AccessLog, ConsentKind, ConsentRecord, Student
from school.services.access_log import log_access
from school.services.consent import withdraw_consent
from school.services.files import delete_files_on_commit
from school.signals import face_data_erasure

logger = logging.getLogger(__name__)

FACE_PHOTOS = "face_photos"
ENCODINGS = "encodings"
SIGHTING_CROPS = "sighting_crops"
GALLERY_FACES = "gallery_faces"
FACE_MATCHES = "face_matches"
GALLERY_RESULTS = "gallery_results"
ALERT_SNAPSHOTS = "alert_snapshots"


@dataclass(frozen=True)
class Holding:
    """One kind of data about the student: how many rows (and files), and what it is, for people (translated)."""

    key: str
    count: int
    label: str
    files: int = 0


@dataclass(frozen=True)
class ErasurePlan:
    student: Student
    goes: tuple[Holding, ...]  # what an erasure removes (after one: what it removed)
    stays: tuple[Holding, ...]  # what it keeps
    consents: tuple[Holding, ...]  # the consents it withdraws

    @property
    def nothing_to_erase(self) -> bool:
        return not any(holding.count for holding in (*self.goes, *self.consents))

    def count(self, key: str) -> int:
        return sum(holding.count for holding in (*self.goes, *self.stays, *self.consents) if holding.key == key)

    def summary(self) -> str:
        """The receipt's text in the access log (keys, not translated: the log is evidence, read in any language)."""
        parts = [f"{holding.key} {holding.count}" for holding in (*self.goes, *self.consents) if holding.count]
        return "erased: " + (", ".join(parts) if parts else "nothing left")


def erasure_plan(student: Student) -> ErasurePlan:
    """What erase_face_data(student) would remove and keep now. Changes nothing."""
    photos = FacePhoto.objects.filter(student=student)
    logs = AttendanceLog.objects.filter(student=student)
    gallery = gallery_holdings(student)
    crops = logs.exclude(crop="").count()
    photo_count = photos.count()
    photo_files = photos.exclude(image="").count()
    encodings = photos.filter(encoding__isnull=False).count() + gallery.faces
    goes = [
        Holding(
            FACE_PHOTOS,
            photo_count,
            ngettext("enrollment face photo", "enrollment face photos", photo_count),
            photo_files,
        ),
        Holding(ENCODINGS, encodings, ngettext("face encoding", "face encodings", encodings)),
        Holding(SIGHTING_CROPS, crops, ngettext("face crop of a sighting", "face crops of sightings", crops), crops),
        Holding(
            GALLERY_FACES,
            gallery.faces,
            ngettext(
                "face in a gallery photo, blurred in the stored photo itself",
                "faces in gallery photos, blurred in the stored photos themselves",
                gallery.faces,
            ),
            gallery.photos,
        ),
        Holding(
            FACE_MATCHES,
            gallery.matches,
            ngettext(
                "gallery match (a face proposed as the student)",
                "gallery matches (faces proposed as the student)",
                gallery.matches,
            ),
        ),
        Holding(
            GALLERY_RESULTS,
            gallery.cache_entries,
            ngettext(
                "stored gallery recognition result naming the student",
                "stored gallery recognition results naming the student",
                gallery.cache_entries,
            ),
        ),
        *_other_apps(student, erase=False),
    ]
    return ErasurePlan(student=student, goes=tuple(goes), stays=_stays(student), consents=_consents(student))


def _consents(student: Student) -> tuple[Holding, ...]:
    # Read again: the caller's row may predate a withdrawal (or this very erasure).
    biometric, image = Student.objects.filter(pk=student.pk).values_list("biometric_consent", "image_consent").get()
    given = {ConsentKind.BIOMETRIC: biometric, ConsentKind.IMAGE: image}
    return tuple(Holding(kind.value, 1, str(kind.label)) for kind, granted in given.items() if granted)


def _stays(student: Student) -> tuple[Holding, ...]:
    presences = Presence.objects.filter(student=student).count()
    changes = PresenceChange.objects.filter(presence__student=student).count()
    sightings = AttendanceLog.objects.filter(student=student).count()
    justifications = Justification.objects.filter(student=student)
    justification_count = justifications.count()
    notices = AbsenceNotice.objects.filter(student=student).count()
    enrollments = student.enrollments.count()
    guardians = student.guardians.count()
    consents = ConsentRecord.objects.filter(student=student).count()
    accesses = AccessLog.objects.filter(student=student).count()
    return (
        Holding("student", 1, _("the student's record (name, registration, birth date)")),
        Holding(
            "enrollments", enrollments, ngettext("enrollment in a classroom", "enrollments in classrooms", enrollments)
        ),
        Holding(
            "guardians",
            guardians,
            ngettext("guardian (name and contacts)", "guardians (names and contacts)", guardians),
        ),
        Holding("presences", presences, ngettext("presence (attendance)", "presences (attendance)", presences)),
        Holding(
            "presence_changes", changes, ngettext("manual change of a presence", "manual changes of presences", changes)
        ),
        Holding(
            "sightings",
            sightings,
            ngettext("sighting (without its image)", "sightings (without their images)", sightings),
        ),
        Holding(
            "justifications",
            justification_count,
            ngettext(
                "justified absence, with its document", "justified absences, with their documents", justification_count
            ),
            justifications.exclude(document="").count(),
        ),
        Holding(
            "absence_notices",
            notices,
            ngettext("absence notice (alert and e-mails)", "absence notices (alerts and e-mails)", notices),
        ),
        Holding(
            "consent_records",
            consents,
            ngettext("consent record, with its signed form", "consent records, with their signed forms", consents),
        ),
        Holding("access_log", accesses, ngettext("entry in the access log", "entries in the access log", accesses)),
    )


def _other_apps(student: Student, *, erase: bool) -> list[Holding]:
    """What the apps the roster does not import (monitoring's alert snapshots) hold, or removed."""
    holdings: list[Holding] = []
    for _receiver, answer in face_data_erasure.send(sender=Student, student=student, erase=erase):
        holdings.extend(cast("list[Holding]", answer or []))
    return holdings


def erase_face_data(
    student: Student,
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> ErasurePlan:
    """Erase the student's face data (see the module's docstring) and log the receipt; returns what went.

    One transaction, the student locked: it all goes or nothing does; files are deleted once it commits.
    Idempotent: a second erasure finds nothing and only logs its receipt, and an automatic one (no user or request:
    the retention period) that finds nothing costs a few counts and logs nothing.
    """
    who = user if user is not None else getattr(request, "user", None)
    undo: list[Callable[[], None]] = []
    try:
        with transaction.atomic():
            locked = Student.objects.select_for_update().get(pk=student.pk)
            plan = erasure_plan(locked)
            if plan.nothing_to_erase:
                if who is not None:
                    log_access(request, AccessKind.ERASURE, student=locked, target=plan.summary(), user=user)
                return plan
            for consent in plan.consents:
                # The biometric withdrawal's receivers delete the enrollment photos (recognition.signals).
                withdraw_consent(locked, consent.key, recorded_by=who if isinstance(who, User) else None)
            enrollment.erase_face_data(locked)  # photos left by no consent to withdraw (idempotent)
            _clear_crops(locked)
            gallery = erase_gallery_faces(locked)
            undo.append(gallery.undo_files)
            _other_apps(locked, erase=True)
            transaction.on_commit(bump_index_version)
            log_access(request, AccessKind.ERASURE, student=locked, target=plan.summary(), user=user)
    except Exception:
        for step in undo:
            step()
        raise
    logger.info("erased the face data of student %s: %s", locked.pk, plan.summary())
    return plan


def _clear_crops(student: Student) -> None:
    """The sightings stay (they are what a presence rests on), without their face crops."""
    logs = AttendanceLog.objects.filter(student=student).exclude(crop="")
    storage = AttendanceLog._meta.get_field("crop").storage
    names = list(logs.values_list("crop", flat=True))
    logs.update(crop="")
    delete_files_on_commit(storage, names)
