from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from recognition.models import FaceGroup, UnknownFace
from recognition.services.engine import get_detector
from recognition.services.review_groups import cluster_new_faces
from tests.factories import StudentFactory
from tests.support.repeated_people import repeated_people
from tests.support.unknown_faces import centroid, unknown_face

PEOPLE = ("Barack Obama", "Michelle Obama", "Audience woman", "Cameraman")


@pytest.fixture(scope="module")
def photos() -> dict[str, list[np.ndarray]]:
    found: dict[str, list[np.ndarray]] = {name: [] for name in PEOPLE}
    for name, encoding in repeated_people(get_detector()):
        if name in found:
            found[name].append(encoding)
    return found


def group_of(face: UnknownFace) -> FaceGroup:
    return FaceGroup.objects.get(pk=UnknownFace.objects.get(pk=face.pk).group_id)


def test_reclustering_keeps_decided_groups_and_their_decisions_and_regroups_the_rest(
    db: None, photos: dict[str, list[np.ndarray]]
) -> None:
    held_back = photos["Michelle Obama"][-1]
    faces = {
        name: [unknown_face(encoding) for encoding in (encodings[:-1] if name == "Michelle Obama" else encodings)]
        for name, encodings in photos.items()
    }
    cluster_new_faces()
    obama, michelle, woman = (group_of(faces[name][0]) for name in PEOPLE[:3])
    student = StudentFactory(consenting=True)
    FaceGroup.objects.filter(pk=obama.pk).update(decision=FaceGroup.Decision.STUDENT, student=student)
    FaceGroup.objects.filter(pk=michelle.pk).update(decision=FaceGroup.Decision.NOT_A_STUDENT)
    # The open groups drifted (faces moved by hand, a group emptied): the rebuild puts them right.
    UnknownFace.objects.filter(pk=faces["Audience woman"][2].pk).update(group=None)
    later = unknown_face(held_back)  # a new photo of Michelle, not clustered yet

    out = StringIO()
    call_command("recluster_faces", stdout=out)

    obama.refresh_from_db()
    michelle.refresh_from_db()
    assert (obama.decision, obama.student_id) == (FaceGroup.Decision.STUDENT, student.pk)
    assert michelle.decision == FaceGroup.Decision.NOT_A_STUDENT
    assert {face.pk for face in obama.faces.all()} == {face.pk for face in faces["Barack Obama"]}
    assert group_of(later).pk == michelle.pk  # a new face near a decided group joins it
    assert michelle.size == 3
    assert np.allclose(centroid(michelle), np.mean(photos["Michelle Obama"], axis=0), atol=1e-6)
    regrouped = {group_of(face).pk for face in faces["Audience woman"]}
    assert regrouped == {woman.pk}  # one group, keeping the id most of its faces had
    assert group_of(faces["Cameraman"][0]).pk not in {obama.pk, michelle.pk, woman.pk}
    assert not UnknownFace.objects.filter(clustered=False).exists()
    for group in FaceGroup.objects.all():
        assert group.size == group.faces.count()
    assert str(UnknownFace.objects.count()) in out.getvalue()


def test_reclustering_twice_changes_nothing(db: None, photos: dict[str, list[np.ndarray]]) -> None:
    for encodings in photos.values():
        for encoding in encodings:
            unknown_face(encoding)
    call_command("recluster_faces", stdout=StringIO())
    before = sorted(UnknownFace.objects.values_list("pk", "group_id"))
    sizes = sorted(FaceGroup.objects.values_list("pk", "size"))

    call_command("recluster_faces", stdout=StringIO())

    assert sorted(UnknownFace.objects.values_list("pk", "group_id")) == before
    assert sorted(FaceGroup.objects.values_list("pk", "size")) == sizes
    assert FaceGroup.objects.count() == len(PEOPLE)
