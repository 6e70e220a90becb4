"""Each grant and withdrawal of a consent is a record of its own (who gave it, the guardian, the terms' version,
when), never overwritten; the student row follows the latest one, in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from recognition.models import FacePhoto
from school.models import ConsentRecord, ConsentTerms, Guardian, Student
from school.services.consent import (
    ConsentError,
    current_terms,
    grant_consent,
    has_biometric_consent,
    set_biometric_consent,
    students_with_biometric_consent,
    withdraw_consent,
)
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(db: None) -> Student:
    return StudentFactory(full_name="Lin-Manuel Miranda")


@pytest.fixture
def mother(student: Student) -> Guardian:
    return Guardian.objects.create(student=student, name="Luz Towns-Miranda", relation="mãe")


def publish(version: str, kind: str = "biometric", **fields: object) -> ConsentTerms:
    return ConsentTerms.objects.create(kind=kind, version=version, purpose="p", text=f"terms {version}", **fields)


def history(student: Student) -> list[tuple[str, bool, str | None, str, str]]:
    return [
        (r.kind, r.granted, r.terms.version if r.terms else None, r.given_by, r.relation)
        for r in ConsentRecord.objects.filter(student=student).order_by("recorded_at", "id")
    ]


def test_grants_renewals_and_withdrawals_are_all_kept(student: Student, mother: Guardian) -> None:
    secretary = SecretaryFactory()
    first = grant_consent(student, "biometric", guardian=mother, recorded_by=secretary)
    again = grant_consent(student, "biometric", guardian=mother, recorded_by=secretary)  # the same terms: no-op
    second = publish("2")
    renewal = grant_consent(student, "biometric", guardian=mother, recorded_by=secretary)
    withdrawal = withdraw_consent(student, "biometric", guardian=mother, recorded_by=secretary)
    nothing = withdraw_consent(student, "biometric", given_by="Luz", recorded_by=secretary)
    regrant = grant_consent(student, "biometric", given_by="Alex  Lacamoire", relation="tio", recorded_by=None)

    assert again == first and nothing is None
    assert history(student) == [
        ("biometric", True, "1", "Luz Towns-Miranda", "mãe"),
        ("biometric", True, "2", "Luz Towns-Miranda", "mãe"),
        ("biometric", False, "2", "Luz Towns-Miranda", "mãe"),  # the withdrawal says which terms it ends
        ("biometric", True, "2", "Alex Lacamoire", "tio"),
    ]
    assert (first.guardian, renewal.guardian, regrant.guardian) == (mother, mother, None)
    assert withdrawal is not None and withdrawal.recorded_by == secretary
    assert first.recorded_at <= renewal.recorded_at <= withdrawal.recorded_at <= regrant.recorded_at
    student.refresh_from_db()
    assert (student.biometric_consent, student.biometric_consent_terms, student.biometric_consent_at) == (
        True,
        second,
        regrant.recorded_at,
    )


def test_the_guardians_name_is_kept_when_the_guardian_is_edited_or_deleted(student: Student, mother: Guardian) -> None:
    record = grant_consent(student, "biometric", guardian=mother, recorded_by=None)

    Guardian.objects.filter(pk=mother.pk).update(name="Someone else")
    mother.delete()

    record.refresh_from_db()
    assert (record.guardian, record.given_by, record.relation) == (None, "Luz Towns-Miranda", "mãe")


def test_a_withdrawal_ends_the_consent_and_deletes_the_face_data_in_its_transaction(student: Student) -> None:
    grant_consent(student, "biometric", given_by="Luz Towns-Miranda", recorded_by=None)
    FacePhoto.objects.create(student=student, content_hash="1" * 64)

    with pytest.raises(RuntimeError), transaction.atomic():
        withdraw_consent(student, "biometric", given_by="Luz Towns-Miranda", recorded_by=None)
        raise RuntimeError("the rest failed")

    assert FacePhoto.objects.filter(student=student).exists() and ConsentRecord.objects.count() == 1
    withdraw_consent(student, "biometric", recorded_by=None)  # nobody named: the school withdrew it
    assert not FacePhoto.objects.filter(student=student).exists()
    student.refresh_from_db()
    assert (student.biometric_consent, student.biometric_consent_terms) == (False, None)
    assert not has_biometric_consent(student)
    assert ConsentRecord.objects.filter(granted=False).get().given_by  # never empty


def test_image_consent_has_its_own_terms_and_history(student: Student, mother: Guardian) -> None:
    image_terms = current_terms("image")

    grant_consent(student, "image", guardian=mother, recorded_by=None)
    with pytest.raises(ConsentError) as wrong:
        grant_consent(student, "biometric", guardian=mother, terms=image_terms, recorded_by=None)
    withdraw_consent(student, "image", guardian=mother, recorded_by=None)

    assert wrong.value.code == "wrong_terms"
    assert history(student) == [
        ("image", True, image_terms.version, "Luz Towns-Miranda", "mãe"),
        ("image", False, image_terms.version, "Luz Towns-Miranda", "mãe"),
    ]
    student.refresh_from_db()
    assert (student.image_consent, student.biometric_consent) == (False, False)


@pytest.mark.parametrize(
    ("problem", "code"),
    [("another_students_guardian", "not_their_guardian"), ("nobody", "no_name"), ("future_terms", "wrong_terms")],
)
def test_a_grant_that_cannot_be_evidenced_is_refused_and_writes_nothing(
    student: Student, problem: str, code: str
) -> None:
    kwargs: dict[str, object] = {"given_by": "Luz"}
    if problem == "another_students_guardian":
        kwargs = {"guardian": Guardian.objects.create(student=StudentFactory(), name="Jill Biden")}
    elif problem == "nobody":
        kwargs = {"given_by": "  "}
    else:
        kwargs["terms"] = publish("3", published_at=timezone.now() + dt.timedelta(days=1))

    with pytest.raises(ConsentError) as refusal:
        grant_consent(student, "biometric", recorded_by=None, **kwargs)  # type: ignore[arg-type]

    assert refusal.value.code == code
    assert not ConsentRecord.objects.exists()
    student.refresh_from_db()
    assert student.biometric_consent is False


def test_the_current_terms_are_the_latest_published(student: Student) -> None:
    second = publish("2")
    publish("3", published_at=timezone.now() + dt.timedelta(days=7))  # announced, not in force yet

    assert current_terms("biometric") == second
    ConsentTerms.objects.filter(kind="biometric").delete()
    with pytest.raises(ConsentError) as none:
        current_terms("biometric")
    assert none.value.code == "no_terms"


def test_set_biometric_consent_names_the_school_not_a_guardian(student: Student, mother: Guardian) -> None:
    updated = set_biometric_consent(student, True, recorded_by=None)

    record = ConsentRecord.objects.get()
    assert updated.biometric_consent is True and record.guardian is None
    assert record.given_by and record.given_by != mother.name
    assert set_biometric_consent(student, False, recorded_by=None).biometric_consent is False


def test_valid_biometric_consent_is_granted_and_the_student_active(student: Student) -> None:
    grant_consent(student, "biometric", given_by="Luz", recorded_by=None)
    student.refresh_from_db()
    left = StudentFactory(consenting=True, active=False)
    never = StudentFactory()

    assert has_biometric_consent(student) and not has_biometric_consent(left) and not has_biometric_consent(never)
    assert list(students_with_biometric_consent()) == [student]
    # A row read before a withdrawal says yes; the fresh read says no.
    withdraw_consent(student, "biometric", recorded_by=None)
    assert has_biometric_consent(student) and not has_biometric_consent(student, fresh=True)
