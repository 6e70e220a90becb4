"""Biometric consent: face data may exist only for students whose guardians consented."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from school.models import Student
from school.signals import biometric_consent_withdrawn


def set_biometric_consent(student: Student, given: bool, *, recorded_by: User | AnonymousUser | None) -> Student:
    """Record that consent was given or withdrawn, with when and by whom.

    Withdrawal also deletes the student's face data (receivers of `biometric_consent_withdrawn`), in the same
    transaction.
    """
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if locked.biometric_consent == given:
            return locked
        locked.biometric_consent = given
        locked.biometric_consent_at = timezone.now() if given else None
        locked.biometric_consent_by = recorded_by if given and isinstance(recorded_by, User) else None
        locked.save(update_fields=["biometric_consent", "biometric_consent_at", "biometric_consent_by"])
        if not given:
            biometric_consent_withdrawn.send(sender=Student, student=locked)
    return locked
