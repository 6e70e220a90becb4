"""Consent to biometric data (face recognition) and to sharing images, with its evidence.

Every grant and withdrawal is a ConsentRecord (who gave it, the guardian when it was one, the version of the terms,
the signed form); the student row keeps only the current state, updated in the same transaction.

Whether a student's face may be encoded, matched or marked is decided here and nowhere else:
``has_biometric_consent`` for one student and ``biometric_consent_q`` for querysets. Enrollment, gallery
assignment and recognition, the matcher index, cameras, the kiosk, Frigate's ingest and the device API all ask them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from school.errors import Refused
from school.models import ConsentKind, ConsentRecord, ConsentTerms, Guardian, Student
from school.services.uploads import UploadRejected, checked_document
from school.signals import biometric_consent_withdrawn

# The one definition of valid biometric consent: granted and not withdrawn since (withdrawal clears the flag in the
# same transaction that records it), for a student still at the school.
_VALID_BIOMETRIC_CONSENT = {"biometric_consent": True, "active": True}

# The student fields holding the current state of each kind: (granted flag, accepted terms).
_STATE_FIELDS = {
    ConsentKind.BIOMETRIC: ("biometric_consent", "biometric_consent_terms"),
    ConsentKind.IMAGE: ("image_consent", "image_consent_terms"),
}


class ConsentError(Refused):
    """A consent that cannot be recorded; nothing was written."""


def biometric_consent_q(prefix: str = "") -> Q:
    """Students with valid biometric consent, as a filter; ``prefix`` reaches them through a relation
    (``"student__"`` filters face photos)."""
    return Q(**{f"{prefix}{field}": value for field, value in _VALID_BIOMETRIC_CONSENT.items()})


def students_with_biometric_consent() -> QuerySet[Student]:
    return Student.objects.filter(biometric_consent_q())


def has_biometric_consent(student: Student, *, fresh: bool = False) -> bool:
    """Whether `student`'s face may be encoded, matched or marked.

    ``fresh`` reads the row again instead of trusting `student` (a camera's cached row, a match found in an index
    built before a withdrawal) and, inside a transaction, locks it until the transaction ends, so a concurrent
    withdrawal waits for what this transaction writes, or this one sees the withdrawal.
    """
    if not fresh:
        return all(getattr(student, field) == value for field, value in _VALID_BIOMETRIC_CONSENT.items())
    rows = students_with_biometric_consent().filter(pk=student.pk).values_list("pk", flat=True)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return rows.exists()
    if connection.vendor == "postgresql":
        # FOR SHARE: the withdrawal's FOR UPDATE waits for this transaction, but sightings of the same student
        # (two cameras at once) do not wait for one another. Django has no FOR SHARE, so it is added to its SQL.
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} FOR SHARE", params)
            return cursor.fetchone() is not None
    return bool(list(rows.select_for_update()))  # SQLite writes one transaction at a time anyway


def current_terms(kind: str) -> ConsentTerms:
    """The latest published terms of `kind`; ConsentError ``no_terms`` when none is published yet."""
    terms = ConsentTerms.objects.filter(kind=kind, published_at__lte=timezone.now()).order_by("-published_at").first()
    if terms is None:
        raise ConsentError("no_terms", _("No consent terms of this kind are published yet."))
    return terms


def grant_consent(
    student: Student,
    kind: str,
    *,
    guardian: Guardian | None = None,
    given_by: str = "",
    relation: str = "",
    terms: ConsentTerms | None = None,
    signed_form: File | None = None,
    recorded_by: User | AnonymousUser | None,
) -> ConsentRecord:
    """Record that `guardian` (or the person named `given_by`, `relation` to the student) accepted `terms` (the
    current ones by default) for `student`, with the signed form when there is one.

    Granting the terms already accepted is a no-op that returns the grant on record; granting another version
    records a renewal. Raises ConsentError: ``no_terms``, ``wrong_terms`` (another kind, or not published yet),
    ``not_their_guardian``, ``no_name`` (neither a guardian nor a name), or the signed form's refusal code
    (``not_a_document``, ``wrong_content_type``, ``too_large``).
    """
    kind = ConsentKind(kind)
    given_by, relation = _giver(student, guardian, given_by, relation)
    if not given_by:
        raise ConsentError("no_name", _("Say who gave the consent: a guardian, or a name."))
    terms = terms or current_terms(kind)
    if terms.kind != kind or terms.published_at > timezone.now():
        raise ConsentError("wrong_terms", _("These terms are not published terms of this kind of consent."))
    flag, terms_field = _STATE_FIELDS[kind]
    document = _checked_form(signed_form)  # before locking: re-encoding an image takes a moment
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if getattr(locked, flag) and getattr(locked, f"{terms_field}_id") == terms.pk:
            latest = _latest(locked, kind)
            if latest is not None and latest.granted:
                return latest
        now = timezone.now()
        user = recorded_by if isinstance(recorded_by, User) else None
        record = _record(locked, kind, True, terms, guardian, given_by, relation, document, user, now)
        setattr(locked, flag, True)
        setattr(locked, terms_field, terms)
        fields = [flag, terms_field]
        if kind == ConsentKind.BIOMETRIC:
            locked.biometric_consent_at, locked.biometric_consent_by = now, user
            fields += ["biometric_consent_at", "biometric_consent_by"]
        locked.save(update_fields=fields)
    return record


def withdraw_consent(
    student: Student,
    kind: str,
    *,
    guardian: Guardian | None = None,
    given_by: str = "",
    relation: str = "",
    signed_form: File | None = None,
    recorded_by: User | AnonymousUser | None,
) -> ConsentRecord | None:
    """Record the withdrawal of `student`'s consent of `kind`, by `guardian` or the person named (the school when
    nobody is); None, and nothing written, when that consent is not given.

    Withdrawing biometric consent also deletes the student's face data (receivers of
    ``biometric_consent_withdrawn``) in the same transaction: both commit or neither does.
    """
    kind = ConsentKind(kind)
    given_by, relation = _giver(student, guardian, given_by, relation)
    # A withdrawal is never refused for want of a name: the school may withdraw on its own.
    given_by = given_by or _("recorded by the school")
    flag, terms_field = _STATE_FIELDS[kind]
    document = _checked_form(signed_form)
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if not getattr(locked, flag):
            return None
        user = recorded_by if isinstance(recorded_by, User) else None
        withdrawn_terms = getattr(locked, terms_field)
        record = _record(
            locked, kind, False, withdrawn_terms, guardian, given_by, relation, document, user, timezone.now()
        )
        setattr(locked, flag, False)
        setattr(locked, terms_field, None)
        fields = [flag, terms_field]
        if kind == ConsentKind.BIOMETRIC:
            locked.biometric_consent_at = locked.biometric_consent_by = None
            fields += ["biometric_consent_at", "biometric_consent_by"]
        locked.save(update_fields=fields)
        if kind == ConsentKind.BIOMETRIC:
            biometric_consent_withdrawn.send(sender=Student, student=locked)
    return record


def set_biometric_consent(student: Student, given: bool, *, recorded_by: User | AnonymousUser | None) -> Student:
    """Grant (the current terms) or withdraw biometric consent without saying who gave it: for factories,
    benches and scripts. The record names the school, never a guardian who may not have signed anything."""
    if given:
        grant_consent(student, ConsentKind.BIOMETRIC, given_by=_("recorded by the school"), recorded_by=recorded_by)
    else:
        withdraw_consent(student, ConsentKind.BIOMETRIC, recorded_by=recorded_by)
    return Student.objects.get(pk=student.pk)


def consent_history(student: Student) -> QuerySet[ConsentRecord]:
    """Every grant and withdrawal of `student`, latest first."""
    return student.consents.select_related("terms", "guardian", "recorded_by")


def students_on_terms(terms: ConsentTerms) -> QuerySet[Student]:
    """Students whose current consent of that kind is to these terms."""
    flag, terms_field = _STATE_FIELDS[ConsentKind(terms.kind)]
    return Student.objects.filter(**{flag: True, terms_field: terms})


def students_on_terms_older_than(terms: ConsentTerms) -> QuerySet[Student]:
    """Students consenting to an earlier version than `terms` (or to no recorded version): to be renewed."""
    flag, terms_field = _STATE_FIELDS[ConsentKind(terms.kind)]
    return Student.objects.filter(
        Q(**{f"{terms_field}__isnull": True}) | Q(**{f"{terms_field}__published_at__lt": terms.published_at}),
        **{flag: True},
    )


def filter_by_terms(queryset: QuerySet[Student], kind: str, which: str) -> QuerySet[Student]:
    """`queryset`'s students whose consent of `kind` is to the ``current`` terms, to ``older`` ones, or ``none``
    (not given); ``on-<id>`` the terms with that id, ``before-<id>`` versions older than those."""
    flag, terms_field = _STATE_FIELDS[ConsentKind(kind)]
    if which == "none":
        return queryset.filter(**{flag: False})
    if which in ("current", "older"):
        try:
            on_current = Q(**{terms_field: current_terms(kind)})
        except ConsentError:
            on_current = Q(pk__in=[])  # nothing published: nobody is on the current terms
        return queryset.filter(on_current if which == "current" else ~on_current, **{flag: True})
    prefix, _sep, number = which.partition("-")
    terms = ConsentTerms.objects.filter(kind=kind, pk=int(number)).first() if number.isdigit() else None
    if terms is None or prefix not in ("on", "before"):
        return queryset.none()
    chosen = students_on_terms(terms) if prefix == "on" else students_on_terms_older_than(terms)
    return queryset.filter(pk__in=chosen.values("pk"))


def _giver(student: Student, guardian: Guardian | None, given_by: str, relation: str) -> tuple[str, str]:
    """Who gave (or withdrew) the consent, copied from the guardian when there is one."""
    if guardian is None:
        return " ".join(given_by.split()), relation.strip()
    if guardian.student_id != student.pk:
        raise ConsentError("not_their_guardian", _("This guardian is not one of the student's guardians."))
    return guardian.name, guardian.relation or relation.strip()


def _latest(student: Student, kind: str) -> ConsentRecord | None:
    return ConsentRecord.objects.filter(student=student, kind=kind).order_by("-recorded_at", "-id").first()


def _record(
    student: Student,
    kind: str,
    granted: bool,
    terms: ConsentTerms | None,
    guardian: Guardian | None,
    given_by: str,
    relation: str,
    document: ContentFile | None,
    user: User | None,
    at: dt.datetime,
) -> ConsentRecord:
    record = ConsentRecord(
        student=student,
        kind=kind,
        granted=granted,
        terms=terms,
        guardian=guardian,
        given_by=given_by[:160],
        relation=relation[:40],
        recorded_at=at,
        recorded_by=user,
    )
    if document is not None:
        record.signed_form.save(document.name or "form", document, save=False)
    record.save()
    return record


def _checked_form(signed_form: File | None) -> ContentFile | None:
    """The signed form made safe to store (a PDF, or an image re-encoded, under a random name); ConsentError with
    the upload's refusal code otherwise."""
    if signed_form is None:
        return None
    try:
        return checked_document(signed_form)
    except UploadRejected as rejection:
        raise ConsentError(rejection.code, rejection.detail) from None
