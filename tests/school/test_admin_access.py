from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    LessonScheduleFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["classroom", "student", "enrollment", "lessonschedule", "lesson", "teacher"]


def results(response: object) -> list[object]:
    return list(response.context["cl"].result_list)  # type: ignore[attr-defined]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("page", ["", "add/"])
def test_a_secretary_opens_every_school_list_and_add_page(secretary_client: Client, model: str, page: str) -> None:
    EnrollmentFactory()
    LessonScheduleFactory()
    TeacherFactory()

    response = secretary_client.get(f"/admin/school/{model}/{page}")

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_an_anonymous_visitor_is_sent_to_the_admin_login(client: Client, model: str) -> None:
    response = client.get(f"/admin/school/{model}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", MODELS)
def test_a_teacher_is_kept_out_of_the_admin(client: Client, model: str) -> None:
    client.force_login(TeacherFactory())

    response = client.get(f"/admin/school/{model}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_secretary_can_search_students_by_registration(secretary_client: Client) -> None:
    wanted = StudentFactory(registration="2024777")
    StudentFactory(registration="2024888")

    response = secretary_client.get("/admin/school/student/", {"q": "2024777"})

    assert results(response) == [wanted]


def test_a_secretary_can_search_students_by_name(secretary_client: Client) -> None:
    wanted = StudentFactory(full_name="Lin-Manuel Miranda")
    StudentFactory(full_name="Alex Lacamoire")

    response = secretary_client.get("/admin/school/student/", {"q": "miranda"})

    assert results(response) == [wanted]


def test_a_secretary_can_search_classrooms_by_code(secretary_client: Client) -> None:
    wanted = ClassroomFactory(code="3AT.I")
    ClassroomFactory(code="1BT.II")

    response = secretary_client.get("/admin/school/classroom/", {"q": "3AT"})

    assert [classroom.code for classroom in results(response)] == [wanted.code]


def test_a_secretary_can_filter_active_students(secretary_client: Client) -> None:
    active = StudentFactory(active=True)
    StudentFactory(active=False)

    response = secretary_client.get("/admin/school/student/", {"active__exact": "1"})

    assert results(response) == [active]


def test_the_classroom_page_shows_its_enrollments_and_schedule(secretary_client: Client) -> None:
    enrollment = EnrollmentFactory(student__full_name="Joe Biden")
    LessonScheduleFactory(classroom=enrollment.classroom, subject="Programação")

    response = secretary_client.get(f"/admin/school/classroom/{enrollment.classroom.pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="enrollments-group"' in content and 'id="schedules-group"' in content
    assert "Joe Biden" in content
    assert 'value="Programação"' in content


def test_the_student_autocomplete_finds_a_student_for_a_secretary(secretary_client: Client) -> None:
    wanted = StudentFactory(full_name="Barack Obama", registration="2024001")
    StudentFactory(full_name="Joe Biden", registration="2024002")

    response = secretary_client.get(
        "/admin/autocomplete/",
        {"app_label": "school", "model_name": "enrollment", "field_name": "student", "term": "obama"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(wanted.pk), "text": str(wanted)}]


def test_the_student_autocomplete_is_refused_to_a_teacher(client: Client) -> None:
    StudentFactory(full_name="Barack Obama")
    client.force_login(TeacherFactory())

    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "school", "model_name": "enrollment", "field_name": "student", "term": "obama"},
    )

    assert response.status_code != 200
    assert b"Obama" not in response.content
