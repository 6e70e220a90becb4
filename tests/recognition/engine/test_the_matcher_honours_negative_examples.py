"""A face closer to one of a student's negative examples than to the student's own enrolled faces is never that
student's: it may still be someone else, or stay unknown, and the student's own photos still match.

Real look-alikes from the fixtures: Barack Obama enrolled as two students (one photo each), and two different
women of the Hamilton clip's audience, Michelle Obama and the woman beside her, 0.43 apart (under the 0.5
tolerance: sisters, as far as the matcher can tell).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageEnhance

from recognition.engine import DEFAULT_TOLERANCE, FaceDetector, Matcher
from tests.recognition.engine.conftest import Face
from tests.support.crowd import crowd_clip
from tests.support.images import fixture_rgb

FacesGetter = Callable[[str], list[Face]]
Encoding = NDArray[np.float32]

OBAMA_A, OBAMA_B, BIDEN, LIN, ALEX, MICHELLE = 1, 2, 3, 4, 5, 6


def encoding_of(fixture_faces: FacesGetter, name: str, nearest_to: Encoding | None = None) -> Encoding:
    faces = [encoding for _box, encoding in fixture_faces(name)]
    if nearest_to is None:
        return faces[0]
    return min(faces, key=lambda encoding: float(np.linalg.norm(encoding - nearest_to)))


def distance(a: Encoding, b: Encoding) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)))


@cache
def audience(detector: FaceDetector) -> dict[str, list[Encoding]]:
    """The clip's audience people: their two enrol crops and their clip crop (another frame), encoded."""
    clip = crowd_clip(seconds=0.1)
    found: dict[str, list[Encoding]] = {}
    for name in ("Michelle Obama", "Audience woman"):
        person = clip.person(name)
        found[name] = [
            detector.detect_and_encode(np.ascontiguousarray(photo))[1][0]
            for photo in [*person.enrol_photos, person.clip_photo]
        ]
    return found


def near_copy(detector: FaceDetector, name: str, box: tuple[int, int, int, int]) -> Encoding:
    """Another picture of the same face: the region cropped, mirrored and 10 % brighter, detected again."""
    top, right, bottom, left = box
    side = bottom - top
    region = fixture_rgb(name).crop((left - side // 2, top - side // 2, right + side // 2, bottom + side // 2))
    picture = ImageEnhance.Brightness(region.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).enhance(1.1)
    _boxes, encodings = detector.detect_and_encode(np.asarray(picture))
    return encodings[0]


@pytest.fixture
def obama_twice(fixture_faces: FacesGetter) -> tuple[list[int], NDArray[np.float32]]:
    """Obama enrolled as two students (obama.jpg, obama2.jpg), plus three other people."""
    ids = [OBAMA_A, OBAMA_B, BIDEN, LIN, ALEX]
    names = ["obama.jpg", "obama2.jpg", "biden.jpg", "lin-manuel-miranda.png", "alex-lacamoire.png"]
    return ids, np.vstack([encoding_of(fixture_faces, name) for name in names])


def test_a_rejected_face_goes_to_the_other_record_of_the_same_person_and_its_own_photos_stay(
    fixture_faces: FacesGetter, detector: FaceDetector, obama_twice: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = obama_twice
    obama = encoding_of(fixture_faces, "obama.jpg")
    face = encoding_of(fixture_faces, "two_people.jpg", nearest_to=obama)  # Obama in the group photo
    [(box, _)] = [(b, e) for b, e in fixture_faces("two_people.jpg") if e is face]
    copy = near_copy(detector, "two_people.jpg", (box.top, box.right, box.bottom, box.left))
    assert distance(copy, face) < distance(copy, obama)  # nearer to the rejected face than to obama.jpg
    [before] = Matcher(ids, encodings).match(face)
    assert before.match is not None and before.match.student_id == OBAMA_A

    corrected = Matcher(ids, encodings, negative_student_ids=[OBAMA_A], negative_encodings=face[np.newaxis])

    for query in (face, copy):
        for top_k in (1, 3):
            [result] = corrected.match(query, top_k=top_k)
            assert OBAMA_A not in [candidate.student_id for candidate in result.candidates]
            # The other record of the same person is next: within tolerance, and nobody else near.
            assert result.match is not None and result.match.student_id == OBAMA_B
    for own in ("obama.jpg", "obama_small.jpg"):
        [result] = corrected.match(encoding_of(fixture_faces, own))
        assert result.match is not None and result.match.student_id == OBAMA_A


def test_a_sisters_face_rejected_once_never_matches_her_sister_again(
    fixture_faces: FacesGetter, detector: FaceDetector
) -> None:
    people = audience(detector)
    michelle, woman = people["Michelle Obama"], people["Audience woman"]
    others = [encoding_of(fixture_faces, name) for name in ("obama.jpg", "biden.jpg", "lin-manuel-miranda.png")]
    ids = [MICHELLE, OBAMA_A, BIDEN, LIN]
    encodings = np.vstack([michelle[1], *others])  # the sister herself is not enrolled
    [before] = Matcher(ids, encodings).match(woman[1])
    assert before.match is not None and before.match.student_id == MICHELLE  # the look-alike mistake
    assert before.match.distance < DEFAULT_TOLERANCE

    corrected = Matcher(ids, encodings, negative_student_ids=[MICHELLE], negative_encodings=woman[1][np.newaxis])

    for query in (woman[1], woman[2]):  # the rejected face, and the same woman in another frame
        [result] = corrected.match(query)
        assert result.match is None
        assert MICHELLE not in [candidate.student_id for candidate in result.candidates]
    for own in (michelle[0], michelle[2]):  # Michelle's other pictures: still her
        [result] = corrected.match(own)
        assert result.match is not None and result.match.student_id == MICHELLE


def test_a_negative_equal_to_an_enrolled_face_does_not_hide_that_face(
    fixture_faces: FacesGetter, obama_twice: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = obama_twice
    obama = encoding_of(fixture_faces, "obama.jpg")
    corrected = Matcher(ids, encodings, negative_student_ids=[OBAMA_A], negative_encodings=obama[np.newaxis])

    [result] = corrected.match(obama)

    assert result.match is not None and result.match.student_id == OBAMA_A  # closer, not as close, vetoes


def test_a_negative_of_another_student_leaves_the_matches_alone(
    fixture_faces: FacesGetter, obama_twice: tuple[list[int], NDArray[np.float32]]
) -> None:
    ids, encodings = obama_twice
    queries = np.vstack([encoding_of(fixture_faces, name) for name in ("obama_small.jpg", "biden.jpg")])
    negatives = np.vstack([encoding_of(fixture_faces, "alex-lacamoire.png")])  # Alex is not Lin-Manuel

    plain = Matcher(ids, encodings).match(queries, top_k=5)
    corrected = Matcher(ids, encodings, negative_student_ids=[LIN], negative_encodings=negatives).match(
        queries, top_k=5
    )

    assert [result.match for result in corrected] == [result.match for result in plain]
    assert all(result.match is not None for result in corrected)


def test_a_vetoed_student_is_replaced_from_deeper_in_a_large_index() -> None:
    """With pruning on (thousands of rows), dropping vetoed students still yields the exact next ones."""
    rng = np.random.default_rng(3)
    centres = rng.normal(0.0, 0.11, 128) + rng.normal(0.0, 0.0475, (3000, 128))
    ids = np.arange(3000)
    encodings = (centres + rng.normal(0.0, 0.0237, (3000, 128))).astype(np.float32)
    query = encodings[7].astype(np.float64) + rng.normal(0.0, 0.01, 128)
    plain = Matcher(ids, encodings)
    [reference] = plain.match(query, top_k=6)
    vetoed = [candidate.student_id for candidate in reference.candidates[:3]]

    corrected = Matcher(
        ids, encodings, negative_student_ids=vetoed, negative_encodings=np.repeat(query[np.newaxis], 3, axis=0)
    )
    [result] = corrected.match(query, top_k=3)

    assert [(c.student_id, c.distance) for c in result.candidates] == [
        (c.student_id, c.distance) for c in reference.candidates[3:]
    ]
