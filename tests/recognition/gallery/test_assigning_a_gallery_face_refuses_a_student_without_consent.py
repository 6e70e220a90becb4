"""A gallery face is never enrolled for a student without biometric consent, and gallery recognition never
suggests one, even from a matcher index built before the consent was withdrawn (another worker's)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from recognition.engine import Matcher
from recognition.models import FaceMatch, FacePhoto, Gallery, PhotoFace
from recognition.services import gallery as gallery_service
from recognition.services.enrollment import add_face_photo
from recognition.services.face_review import AssignmentRefused, assign_face
from recognition.services.gallery import process_photo
from recognition.services.index import get_matcher
from school.models import Student
from school.services.consent import grant_consent, withdraw_consent
from tests.factories import SecretaryFactory, StudentFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import fixture_bytes

pytestmark = committing_db  # enrollment photos are encoded once their upload commits


def consenting(name: str) -> Student:
    student = StudentFactory(full_name=name)
    grant_consent(student, "biometric", given_by=f"guardian of {name}", recorded_by=None)
    return Student.objects.get(pk=student.pk)


@pytest.fixture
def reviewer(db: None) -> User:
    return SecretaryFactory()


def two_people_faces(gallery: Gallery) -> list[PhotoFace]:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    process_photo(photo)
    return list(PhotoFace.objects.filter(photo=photo).order_by("index"))


def test_enrolling_a_face_for_a_student_whose_consent_was_withdrawn_is_refused(
    gallery: Gallery, reviewer: User
) -> None:
    face = two_people_faces(gallery)[0]
    biden = consenting("Biden")  # this row says the consent is given...
    withdraw_consent(biden, "biometric", given_by="Jill Biden", recorded_by=None)  # ...but it was withdrawn

    with pytest.raises(AssignmentRefused) as refusal:
        assign_face(face, biden, reviewer, enroll=True)

    assert refusal.value.code == "no_consent"
    assert not FaceMatch.objects.filter(student=biden).exists() and not FacePhoto.objects.filter(student=biden)


def test_the_api_refuses_to_enroll_a_gallery_face_for_a_student_who_never_consented(
    secretary_api: APIClient, gallery: Gallery
) -> None:
    face = two_people_faces(gallery)[0]
    student = StudentFactory()
    url = f"/api/galleries/{gallery.pk}/photos/{face.photo_id}/faces/{face.index}/assign"

    response = secretary_api.post(url, {"student_id": student.pk, "enroll": True}, format="json")

    assert response.status_code == 422 and response.json()["code"] == "no_consent"
    assert not FaceMatch.objects.filter(student=student).exists() and not FacePhoto.objects.exists()


def test_gallery_recognition_with_an_index_older_than_the_withdrawal_suggests_nobody(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    obama = consenting("Obama")
    add_face_photo(obama, fixture_bytes("obama.jpg"), "obama.jpg")
    stale = get_matcher()
    assert obama.pk in stale.student_ids
    withdraw_consent(obama, "biometric", given_by="Michelle Obama", recorded_by=None)
    found: list[int] = []

    class StaleMatcher:
        """The index another worker built before the withdrawal, and still uses."""

        def match(self, *args: Any, **kwargs: Any) -> Any:
            results = Matcher.match(stale, *args, **kwargs)
            found.extend(result.match.student_id for result in results if result.match is not None)
            return results

    monkeypatch.setattr(gallery_service, "get_matcher", StaleMatcher)

    faces = two_people_faces(gallery)

    assert obama.pk in found  # the stale index did recognise him...
    assert len(faces) == 2 and not FaceMatch.objects.exists()  # ...and no suggestion was kept
