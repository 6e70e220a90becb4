from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from school.models import Student
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory, TeacherFactory, UserFactory
from tests.markers import committing_db
from tests.recognition.conftest import recognize, upload
from tests.support import images

pytestmark = committing_db


@pytest.fixture
def obama(secretary_api: APIClient) -> Student:
    student = StudentFactory(consenting=True, full_name="Barack Obama")
    assert upload(secretary_api, student, "obama.jpg").status_code == 201
    return student


@pytest.fixture
def biden(secretary_api: APIClient) -> Student:
    student = StudentFactory(consenting=True, full_name="Joe Biden")
    assert upload(secretary_api, student, "biden.jpg").status_code == 201
    return student


def test_both_people_in_a_group_photo_are_found_in_their_own_boxes(
    secretary_api: APIClient, obama: Student, biden: Student
) -> None:
    response = recognize(secretary_api, images.fixture_bytes("two_people.jpg"))

    assert response.status_code == 200
    faces = response.json()["faces"]
    assert len(faces) == 2
    by_student = {face["matches"][0]["student_id"]: face["box"] for face in faces}
    assert set(by_student) == {obama.pk, biden.pk}
    # Obama stands on the left of the photo, Biden on the right.
    assert by_student[obama.pk]["right"] <= by_student[biden.pk]["left"]
    assert response.json()["processing_ms"] > 0


def test_another_photo_of_an_enrolled_student_matches_with_distance_and_similarity(
    secretary_api: APIClient, obama: Student, biden: Student
) -> None:
    response = recognize(secretary_api, images.fixture_bytes("obama2.jpg"))

    [face] = response.json()["faces"]
    best = face["matches"][0]
    assert (best["student_id"], best["registration"], best["name"]) == (obama.pk, obama.registration, "Barack Obama")
    assert 0 < best["distance"] <= 0.5
    assert 50 <= best["similarity"] <= 100
    assert all(match["student_id"] != biden.pk for match in face["matches"])


def test_an_unenrolled_face_stays_unknown(secretary_api: APIClient, obama: Student, biden: Student) -> None:
    response = recognize(secretary_api, images.fixture_bytes("alex-lacamoire.png"))

    assert [face["matches"] for face in response.json()["faces"]] == [[]]


def test_a_classroom_scope_only_matches_its_roster(secretary_api: APIClient, obama: Student, biden: Student) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    EnrollmentFactory(classroom=classroom, student=obama)

    response = recognize(secretary_api, images.fixture_bytes("two_people.jpg"), classroom_code="3AT.I")

    matched = [face["matches"][0]["student_id"] for face in response.json()["faces"] if face["matches"]]
    assert matched == [obama.pk]
    assert len(response.json()["faces"]) == 2


def test_max_faces_keeps_the_largest_faces(secretary_api: APIClient, obama: Student, biden: Student) -> None:
    response = recognize(secretary_api, images.fixture_bytes("two_people.jpg"), max_faces=1)

    [face] = response.json()["faces"]
    full = recognize(secretary_api, images.fixture_bytes("two_people.jpg")).json()["faces"]
    areas = [area(f["box"]) for f in full]
    assert areas == sorted(areas, reverse=True)
    assert face["box"] == full[0]["box"]


def test_boxes_are_in_the_coordinates_of_the_uploaded_image(
    secretary_api: APIClient, obama: Student, biden: Student
) -> None:
    original = recognize(secretary_api, images.fixture_bytes("two_people.jpg")).json()["faces"]
    # Three times larger than the detector's working size: detection runs on a downscaled copy.
    enlarged = recognize(secretary_api, images.enlarged("two_people.jpg", 3)).json()["faces"]

    for small, large in zip(original, enlarged, strict=True):
        assert small["matches"][0]["student_id"] == large["matches"][0]["student_id"]
        # HOG boxes come in scale steps, so the same face is boxed a little differently at another size.
        assert iou({side: 3 * value for side, value in small["box"].items()}, large["box"]) > 0.6


def iou(a: dict[str, int], b: dict[str, int]) -> float:
    width = min(a["right"], b["right"]) - max(a["left"], b["left"])
    height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    inter = max(0, width) * max(0, height)
    return inter / (area(a) + area(b) - inter)


def area(box: dict[str, int]) -> int:
    return (box["right"] - box["left"]) * (box["bottom"] - box["top"])


@pytest.mark.parametrize(
    ("params", "code"),
    [({"classroom_code": "9ZZ.Z"}, "unknown_classroom"), ({"tolerance": "7"}, "invalid")],
)
def test_bad_requests_get_a_reason_code(secretary_api: APIClient, params: dict[str, str], code: str) -> None:
    response = recognize(secretary_api, images.fixture_bytes("obama.jpg"), **params)

    assert response.status_code in {400, 422}
    assert response.json()["code"] == code


def test_an_unusable_image_gets_422_with_its_reason(secretary_api: APIClient) -> None:
    response = recognize(secretary_api, images.text_file())

    assert response.status_code == 422
    assert response.json()["code"] == "not_an_image"


def test_anonymous_users_and_users_without_the_permission_are_refused() -> None:
    anonymous = APIClient()
    teacher = APIClient()
    teacher.force_authenticate(TeacherFactory())

    assert recognize(anonymous, images.fixture_bytes("obama.jpg")).status_code in {401, 403}
    assert recognize(teacher, images.fixture_bytes("obama.jpg")).status_code == 403


def test_a_service_authenticates_with_a_token(obama: Student) -> None:
    service = UserFactory(username="recognizer-gateway")
    service.user_permissions.add(Permission.objects.get(codename="recognize"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=service).key}")

    response = recognize(client, images.fixture_bytes("obama2.jpg"))

    assert response.status_code == 200
    assert response.json()["faces"][0]["matches"][0]["student_id"] == obama.pk


def test_a_face_as_close_to_two_students_stays_unknown(secretary_api: APIClient) -> None:
    twin_a, twin_b = StudentFactory(consenting=True), StudentFactory(consenting=True)
    upload(secretary_api, twin_a, "obama.jpg")
    upload(secretary_api, twin_b, "obama.jpg")

    [face] = recognize(secretary_api, images.fixture_bytes("obama2.jpg")).json()["faces"]

    assert face["matches"] == []
