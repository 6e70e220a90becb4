from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from recognition.engine import FaceDetector
from recognition.engine.clustering import assign_incrementally, centroids_of, cluster_encodings
from tests.support.repeated_people import TOGETHER, repeated_people

THRESHOLD = 0.45  # REVIEW_CLUSTER_DISTANCE


@pytest.fixture(scope="module")
def people(detector: FaceDetector) -> tuple[list[str], np.ndarray]:
    faces = repeated_people(detector)
    return [name for name, _ in faces], np.vstack([encoding for _, encoding in faces])


def clusters_of(names: list[str], labels: np.ndarray) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for name, label in zip(names, labels.tolist(), strict=True):
        found[label].add(name)
    return found


def test_a_full_run_groups_each_repeated_person_and_mixes_nobody(people: tuple[list[str], np.ndarray]) -> None:
    names, encodings = people
    labels = cluster_encodings(encodings, THRESHOLD)

    assert all(len(members) == 1 for members in clusters_of(names, labels).values())  # nobody mixed
    for person in TOGETHER:
        assert len({label for name, label in zip(names, labels, strict=True) if name == person}) == 1, person
    assert names.count("Barack Obama") == 4
    # The audience man's two close frames group; his blurred third one (0.48+ away) stays apart rather than join.
    man = [label for name, label in zip(names, labels, strict=True) if name == "Audience man"]
    assert man[0] == man[1]


def test_a_full_run_gives_the_same_clusters_for_the_same_seed(
    people: tuple[list[str], np.ndarray],
) -> None:
    _names, encodings = people
    first = cluster_encodings(encodings, THRESHOLD, seed=3)
    assert np.array_equal(first, cluster_encodings(encodings, THRESHOLD, seed=3))
    assert first[0] == 0  # numbered by first face


def test_new_faces_join_the_group_of_their_person_incrementally(people: tuple[list[str], np.ndarray]) -> None:
    names, encodings = people
    # The first photo of everybody clustered; every other photo arrives later, one by one.
    first = sorted({names.index(name) for name in names})
    later = [index for index in range(len(names)) if index not in first]
    labels = cluster_encodings(encodings[first], THRESHOLD)
    centroids, sizes = centroids_of(encodings[first], labels)

    step = assign_incrementally(centroids, sizes, encodings[later], THRESHOLD)

    group_of = {names[index]: int(label) for index, label in zip(first, labels, strict=True)}
    joined = {names[index] for index, label in zip(later, step.labels, strict=True) if label < step.existing}
    for index, label in zip(later, step.labels.tolist(), strict=True):
        if label < step.existing:  # whoever joins an existing group joins their own
            assert label == group_of[names[index]], names[index]
    assert set(TOGETHER) <= joined
    assert step.sizes.sum() == len(names)
    # The running mean is the mean of the members.
    for group in range(step.existing):
        members = [first[i] for i, label in enumerate(labels) if label == group]
        members += [later[i] for i, label in enumerate(step.labels) if label == group]
        assert np.allclose(step.centroids[group], encodings[members].mean(axis=0), atol=1e-6)
    assert np.array_equal(centroids, centroids_of(encodings[first], labels)[0])  # inputs untouched


def test_a_new_face_far_from_every_group_opens_one_that_the_next_new_face_joins() -> None:
    rng = np.random.default_rng(0)
    centroid = rng.normal(size=(1, 128)).astype(np.float32) * 0.1
    stranger = centroid[0] + 0.08  # 0.9 away
    step = assign_incrementally(centroid, [5], np.vstack([stranger, stranger + 0.001]), THRESHOLD)
    assert step.labels.tolist() == [1, 1]
    assert step.opened == 1
    assert step.sizes.tolist() == [5, 2]


def test_no_faces_make_no_clusters() -> None:
    assert cluster_encodings(np.empty((0, 128), np.float32)).size == 0
    step = assign_incrementally(np.empty((0, 128), np.float32), [], np.empty((0, 128), np.float32))
    assert step.labels.size == 0 and step.opened == 0
