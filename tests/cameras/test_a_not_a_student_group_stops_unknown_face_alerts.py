"""A face near a group staff decided is "not a student" (a visitor, a teacher) raises no unknown_face alert when a
camera announces it; another stranger still does, and so does a face of a group only "ignored"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from numpy.typing import NDArray

from cameras.models import Camera
from recognition.engine import load_image
from recognition.models import FaceGroup, pack_encoding
from recognition.services.engine import get_detector
from recognition.services.group_centroids import GROUPS_VERSION
from recognition.services.unknown_faces import is_not_a_student
from tests.cameras.conftest import School
from tests.cameras.factories import CameraFactory
from tests.cameras.unknown_face_alerts import alerted_tracks, announce
from tests.markers import committing_db
from tests.support.images import fixture_bytes

pytestmark = committing_db


def encoding_of(name: str) -> NDArray[np.float32]:
    image = load_image(fixture_bytes(name))
    detector = get_detector()
    (box, *_) = detector.detect(image)
    return np.asarray(detector.encode(image, [box])[0], np.float32)


def decided_group(encoding: NDArray[np.float32], decision: str) -> FaceGroup:
    now = timezone.now()
    with transaction.atomic():
        group = FaceGroup.objects.create(
            decision=decision, centroid=pack_encoding(encoding), size=3, first_seen_at=now, last_seen_at=now
        )
        GROUPS_VERSION.bump_on_commit()  # what deciding a group does
    return group


@pytest.fixture
def camera(school: School) -> Camera:
    camera: Camera = CameraFactory(classroom=school.classroom)
    return camera


def test_the_visitor_raises_no_alert_but_another_stranger_does(camera: Camera, settings: Any) -> None:
    visitor, stranger = encoding_of("obama.jpg"), encoding_of("biden.jpg")
    assert not is_not_a_student(visitor)  # nothing decided yet
    decided_group(visitor, FaceGroup.Decision.NOT_A_STUDENT)
    nearby = visitor + np.float32(0.1 / np.sqrt(128))  # the visitor seen again: 0.1 from the group's centroid

    announce(camera, 1, nearby)
    announce(camera, 2, stranger)

    assert alerted_tracks() == {2}
    assert np.linalg.norm(stranger - visitor) > settings.REVIEW_CLUSTER_DISTANCE


def test_a_group_only_ignored_still_alerts(camera: Camera) -> None:
    face = encoding_of("obama.jpg")
    decided_group(face, FaceGroup.Decision.IGNORED)

    announce(camera, 1, face)

    assert alerted_tracks() == {1}


def test_undoing_the_decision_brings_the_alerts_back(camera: Camera) -> None:
    face = encoding_of("obama.jpg")
    group = decided_group(face, FaceGroup.Decision.NOT_A_STUDENT)
    announce(camera, 1, face)
    assert alerted_tracks() == set()

    with transaction.atomic():
        FaceGroup.objects.filter(pk=group.pk).update(decision=FaceGroup.Decision.OPEN, decided_at=timezone.now())
        GROUPS_VERSION.bump_on_commit()
    announce(camera, 2, face)

    assert alerted_tracks() == {2}
