from __future__ import annotations

import io

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from PIL import Image

from recognition.engine import similarity_percent
from recognition.models import ENCODING_DTYPE, FaceMatch, FacePhoto, Gallery, PhotoFace
from recognition.services.enrollment import add_face_photo
from recognition.services.face_review import AssignmentRefused, assign_face
from recognition.services.gallery import add_gallery_photos, process_photo
from school.models import Student
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import fixture_bytes

# Enrollment photos are encoded on commit (in-process without a broker): these tests commit.
pytestmark = committing_db


@pytest.fixture
def obama(db: None) -> Student:
    """The only enrolled student: in two_people.jpg, Biden's face stays unknown."""
    student = StudentFactory(consenting=True, full_name="Obama")
    add_face_photo(student, fixture_bytes("obama.jpg"), "obama.jpg")
    return student


@pytest.fixture
def reviewer(db: None) -> User:
    return SecretaryFactory()


def processed_faces(gallery: Gallery, name: str = "two_people.jpg", data: bytes | None = None) -> list[PhotoFace]:
    if data is None:
        photo = add_photos(gallery, name)[name]
    else:
        photo = add_gallery_photos(gallery, [(name, data)])[0].photo
        assert photo is not None
    process_photo(photo)
    return list(PhotoFace.objects.filter(photo=photo).prefetch_related("matches").order_by("index"))


def unknown_face(gallery: Gallery) -> PhotoFace:
    faces = processed_faces(gallery)
    unknown = [face for face in faces if not face.matches.all()]
    assert len(faces) == 2 and len(unknown) == 1
    return unknown[0]


def nothing_written_for(student: Student) -> bool:
    return (
        not FaceMatch.objects.filter(student=student).exists()
        and not FacePhoto.objects.filter(student=student).exists()
    )


def test_assigning_an_unknown_face_records_a_match_confirmed_by_the_reviewer(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    face = unknown_face(gallery)
    biden = StudentFactory(full_name="Biden")

    result = assign_face(face, biden, reviewer, enroll=False)

    match = FaceMatch.objects.get(photo_face=face)
    assert result.match == match and result.created and result.face_photo is None
    assert (match.student, match.confirmed, match.reviewed_by) == (biden, True, reviewer)
    assert match.reviewed_at is not None
    # Biden has no enrolled face to measure against: the documented stand-in values.
    assert (match.distance, match.similarity) == (1.0, 0.0)
    assert not FacePhoto.objects.filter(student=biden).exists()


def test_the_match_distance_is_the_real_distance_to_the_students_nearest_enrolled_face(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    biden = StudentFactory(consenting=True, full_name="Biden")
    add_face_photo(biden, fixture_bytes("biden.jpg"), "biden.jpg")
    classroom = ClassroomFactory()
    EnrollmentFactory(student=obama, classroom=classroom)
    gallery.classrooms.add(classroom)  # Biden is not looked for, so his face stays unknown
    face = unknown_face(gallery)

    match = assign_face(face, biden, reviewer).match

    enrolled = FacePhoto.objects.get(student=biden).encoding_array().astype(np.float64)
    found = np.frombuffer(bytes(face.encoding), dtype=ENCODING_DTYPE).astype(np.float64)
    expected = float(np.linalg.norm(enrolled - found))
    assert expected < settings.MATCH_TOLERANCE  # the same person indeed
    assert match.distance == round(expected, 4)
    assert match.similarity == round(similarity_percent(expected, settings.MATCH_TOLERANCE), 1)


def test_assigning_a_face_rejects_the_other_students_it_was_matched_to(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    matched = next(face for face in processed_faces(gallery) if face.matches.all())
    someone_else = StudentFactory()

    assign_face(matched, someone_else, reviewer)

    reviews = dict(FaceMatch.objects.filter(photo_face=matched).values_list("student_id", "confirmed"))
    assert reviews == {obama.pk: False, someone_else.pk: True}


def test_enrolling_the_face_of_a_consenting_student_adds_an_encoded_enrollment_photo(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    face = unknown_face(gallery)
    biden = StudentFactory(consenting=True, full_name="Biden")

    result = assign_face(face, biden, reviewer, enroll=True)

    photo = FacePhoto.objects.get(student=biden)
    assert result.face_photo is not None and result.face_photo.pk == photo.pk
    assert photo.status == FacePhoto.Status.READY, photo.rejection_detail  # encoded once committed
    assert photo.created_by == reviewer and photo.face_size_px is not None
    assert photo.face_size_px >= settings.ENROLL_MIN_FACE_PX
    assert FaceMatch.objects.get(photo_face=face).confirmed is True
    # The crop is the face found in the gallery: its new encoding lies close to the gallery face's.
    found = np.frombuffer(bytes(face.encoding), dtype=ENCODING_DTYPE).astype(np.float64)
    assert np.linalg.norm(photo.encoding_array().astype(np.float64) - found) < 0.2


def test_enrolling_a_face_for_a_student_without_biometric_consent_is_refused_and_writes_nothing(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    face = unknown_face(gallery)
    biden = StudentFactory(biometric_consent=False)

    with pytest.raises(AssignmentRefused) as refusal:
        assign_face(face, biden, reviewer, enroll=True)

    assert refusal.value.code == "no_consent"
    assert nothing_written_for(biden)


def test_a_face_too_small_to_enroll_is_refused_with_its_reason_and_writes_nothing(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    party = Image.open(io.BytesIO(fixture_bytes("two_people.jpg")))
    small = io.BytesIO()
    party.resize((round(party.width * 0.3), round(party.height * 0.3))).save(small, "JPEG", quality=95)
    faces = processed_faces(gallery, "small.jpg", small.getvalue())  # faces of about 45-50 px
    student = StudentFactory(consenting=True)
    stored_before = set(FacePhoto.objects.values_list("pk", flat=True))
    matches_before = list(FaceMatch.objects.values_list("pk", "student_id", "confirmed"))

    with pytest.raises(AssignmentRefused) as refusal:
        assign_face(faces[0], student, reviewer, enroll=True)

    assert refusal.value.code == "face_too_small"
    assert "px" in refusal.value.detail
    assert nothing_written_for(student)
    assert set(FacePhoto.objects.values_list("pk", flat=True)) == stored_before
    assert list(FaceMatch.objects.values_list("pk", "student_id", "confirmed")) == matches_before


def test_a_face_assigned_by_hand_is_assigned_again_when_the_photo_is_processed_again(
    obama: Student, gallery: Gallery, reviewer: User
) -> None:
    face = unknown_face(gallery)
    biden = StudentFactory(full_name="Biden")
    assign_face(face, biden, reviewer, enroll=False)

    process_photo(face.photo)  # from the cache: the detection does not propose Biden

    (again,) = FaceMatch.objects.filter(student=biden)
    assert again.photo_face.index == face.index and again.photo_face.pk != face.pk
    assert (again.confirmed, again.reviewed_by, again.distance) == (True, reviewer, 1.0)
    assert FaceMatch.objects.filter(student=obama).count() == 1
