from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from recognition.engine import clustering
from recognition.models import FaceGroup, UnknownFace
from recognition.services.engine import get_detector
from recognition.services.review_groups import cluster_new_faces, nearest_group, schedule_clustering
from tests.markers import committing_db
from tests.support.concurrency import run_at_once
from tests.support.repeated_people import repeated_people
from tests.support.unknown_faces import centroid, unknown_face

Faces = tuple[tuple[str, np.ndarray], ...]


@pytest.fixture(scope="module")
def people() -> Faces:
    return repeated_people(get_detector())


def first_and_later(people: Faces) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, np.ndarray]]]:
    firsts: dict[str, np.ndarray] = {}
    later = []
    for name, encoding in people:
        if name in firsts:
            later.append((name, encoding))
        else:
            firsts[name] = encoding
    return list(firsts.items()), later


def test_a_new_photo_of_somebody_joins_their_group_and_moves_its_centroid(
    db: None, people: Faces, monkeypatch: pytest.MonkeyPatch
) -> None:
    firsts, later = first_and_later(people)
    start = timezone.now() - dt.timedelta(hours=2)
    faces = {name: unknown_face(encoding, seen_at=start) for name, encoding in firsts}
    assert cluster_new_faces() == len(firsts)
    groups_before = {group.pk: group.size for group in FaceGroup.objects.all()}
    assert len(groups_before) == len(firsts)  # everybody apart

    def no_full_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a new face must not recluster")

    monkeypatch.setattr(clustering, "cluster_encodings", no_full_run)
    obama = next(encoding for name, encoding in later if name == "Barack Obama")
    seen = timezone.now()
    new = unknown_face(obama, seen_at=seen)

    assert cluster_new_faces() == 1

    new.refresh_from_db()
    group = FaceGroup.objects.get(pk=new.group_id)
    assert new.clustered
    assert group.pk == UnknownFace.objects.get(pk=faces["Barack Obama"].pk).group_id
    assert group.size == 2
    assert group.last_seen_at == seen
    assert np.allclose(centroid(group), (firsts[0][1] + obama) / 2, atol=1e-6)
    assert {g.pk: g.size for g in FaceGroup.objects.exclude(pk=group.pk)} == {
        pk: size for pk, size in groups_before.items() if pk != group.pk
    }
    assert cluster_new_faces() == 0  # idempotent: nothing is counted twice
    assert FaceGroup.objects.get(pk=group.pk).size == 2


def test_every_later_photo_joins_its_persons_group_or_opens_its_own(db: None, people: Faces) -> None:
    firsts, later = first_and_later(people)
    first_faces = [(name, unknown_face(encoding)) for name, encoding in firsts]
    cluster_new_faces()
    group_of = {name: UnknownFace.objects.get(pk=face.pk).group_id for name, face in first_faces}
    added = [(name, unknown_face(encoding)) for name, encoding in later]

    cluster_new_faces()

    for name, face in added:
        face.refresh_from_db()
        # Somebody else's group is never joined; a photo too far from the person's own opens a group of its own.
        assert face.group_id == group_of[name] or face.group_id not in group_of.values(), name
    joined = {name for name, face in added if face.group_id == group_of[name]}
    assert {"Barack Obama", "Michelle Obama", "Audience woman"} <= joined
    for group in FaceGroup.objects.all():
        assert group.size == group.faces.count()


def test_clustering_runs_after_the_commit_that_adds_faces(
    db: None, people: Faces, django_capture_on_commit_callbacks: Any
) -> None:
    face = unknown_face(people[0][1])
    with django_capture_on_commit_callbacks(execute=True):
        schedule_clustering()
        face.refresh_from_db()
        assert not face.clustered  # not before the commit
    face.refresh_from_db()
    assert face.clustered and face.group_id is not None


def test_nearest_group_finds_the_group_of_a_new_photo_and_nobody_for_a_stranger(
    db: None, people: Faces, django_capture_on_commit_callbacks: Any
) -> None:
    firsts, later = first_and_later(people)
    assert nearest_group(firsts[0][1]) is None  # no group yet
    obama_first = unknown_face(firsts[0][1])
    with django_capture_on_commit_callbacks(execute=True):
        cluster_new_faces()
    obama_first.refresh_from_db()
    obama_later = next(encoding for name, encoding in later if name == "Barack Obama")

    found = nearest_group(obama_later)

    assert found is not None and found.pk == obama_first.group_id
    assert nearest_group(firsts[1][1]) is None  # Miranda: no group of his yet
    unknown_face(firsts[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        cluster_new_faces()  # a new group: the centroids kept in memory are rebuilt
    miranda = nearest_group(firsts[1][1])
    assert miranda is not None and miranda.pk != found.pk


@committing_db
def test_two_workers_clustering_the_same_faces_never_count_one_twice(postgres: None, people: Faces) -> None:
    rng = np.random.default_rng(0)
    encodings = [encoding + rng.normal(0, 0.005, 128) for _ in range(3) for _name, encoding in people]
    for encoding in encodings:
        unknown_face(encoding)

    results, errors = run_at_once(cluster_new_faces, times=4)

    assert errors == []
    assert sum(results) == len(encodings)
    assert not UnknownFace.objects.filter(clustered=False).exists()
    assert not UnknownFace.objects.filter(group__isnull=True).exists()
    for group in FaceGroup.objects.all():
        assert group.size == group.faces.count()
    assert sum(FaceGroup.objects.values_list("size", flat=True)) == len(encodings)
    assert cluster_new_faces() == 0
