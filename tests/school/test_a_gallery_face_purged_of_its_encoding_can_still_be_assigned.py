"""An unknown gallery face whose encoding the retention purge removed is still a face staff may name: assigning
it records the match, unmeasured (there is no encoding left to compare)."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile

from recognition.models import FacePhoto, PhotoFace
from recognition.services.face_review import UNMEASURED_DISTANCE, assign_face
from school.services.retention import purge_expired
from tests.factories import SecretaryFactory, StudentFactory
from tests.markers import committing_db
from tests.school.retention_support import ENCODING, JPEG, gallery_photo_faces

pytestmark = committing_db


def test_a_purged_unknown_face_is_assigned_without_a_distance() -> None:
    student = StudentFactory(consenting=True)
    enrolled = FacePhoto(student=student, content_hash=uuid.uuid4().hex, status=FacePhoto.Status.READY)
    enrolled.encoding = ENCODING
    enrolled.image.save("face.jpg", ContentFile(JPEG), save=False)
    enrolled.save()
    faces = gallery_photo_faces(200)
    purge_expired()
    face = PhotoFace.objects.get(pk=faces.unknown.pk)
    assert bytes(face.encoding) == b""

    result = assign_face(face, student, SecretaryFactory())

    assert result.match.confirmed is True and result.match.student == student
    assert result.match.distance == UNMEASURED_DISTANCE
