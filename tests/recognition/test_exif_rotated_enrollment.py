from __future__ import annotations

import numpy as np
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from school.models import Student
from tests.markers import committing_db
from tests.recognition.conftest import recognize, upload
from tests.support import images

pytestmark = committing_db


def test_a_phone_photo_rotated_by_exif_is_enrolled_and_matched_like_the_upright_one(
    secretary_api: APIClient, consenting_student: Student
) -> None:
    upright = upload(secretary_api, consenting_student, "obama.jpg").json()
    upright_encoding = FacePhoto.objects.get(pk=upright["id"]).encoding_array()
    secretary_api.delete(f"/api/faces/{upright['id']}")

    rotated = upload(secretary_api, consenting_student, "phone.jpg", images.exif_rotated_jpeg("obama.jpg", 6))

    assert rotated.status_code == 201
    body = rotated.json()
    assert (body["width"], body["height"]) == (upright["width"], upright["height"])
    for side in ("top", "right", "bottom", "left"):
        assert abs(body["box"][side] - upright["box"][side]) <= 2
    encoding = FacePhoto.objects.get(pk=body["id"]).encoding_array()
    # The rotated copy was re-encoded as JPEG: its pixels, and the face box by a pixel, differ a little, which moves
    # an encoding by ~0.04-0.08; two photos of one person are ~0.3-0.5 apart.
    assert np.linalg.norm(encoding - upright_encoding) < 0.1
    [face] = recognize(secretary_api, images.fixture_bytes("obama2.jpg")).json()["faces"]
    assert face["matches"][0]["student_id"] == consenting_student.pk
