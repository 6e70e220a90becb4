from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client

from school.models import TEACHERS_GROUP, Teacher
from tests.factories import ClassroomFactory, SecretaryFactory, TeacherFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quadro-negro-giz-2026"


def teacher_form(**overrides: object) -> dict[str, object]:
    return {
        "username": "ana.souza",
        "first_name": "Ana",
        "last_name": "Souza",
        "email": "ana@example.com",
        "password": NEW_PASSWORD,
        "classrooms": [],
        "is_active": "on",
        **overrides,
    }


def test_a_secretary_creates_a_teacher_who_can_log_in_to_her_classrooms(secretary_client: Client) -> None:
    first, second = ClassroomFactory(code="3AT.I"), ClassroomFactory(code="2AT.I")
    ClassroomFactory(code="1AT.I")

    response = secretary_client.post("/admin/school/teacher/add/", teacher_form(classrooms=[first.pk, second.pk]))

    assert response.status_code == 302
    teacher = User.objects.get(username="ana.souza")
    assert list(teacher.groups.values_list("name", flat=True)) == [TEACHERS_GROUP]
    assert not teacher.is_staff and not teacher.is_superuser
    assert set(teacher.classrooms.values_list("code", flat=True)) == {"3AT.I", "2AT.I"}
    assert Client().login(request=HttpRequest(), username="ana.souza", password=NEW_PASSWORD)


def test_a_new_teacher_needs_a_password(secretary_client: Client) -> None:
    response = secretary_client.post("/admin/school/teacher/add/", teacher_form(password=""))

    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="ana.souza").exists()


def test_a_weak_password_is_refused(secretary_client: Client) -> None:
    response = secretary_client.post("/admin/school/teacher/add/", teacher_form(password="12345678"))

    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="ana.souza").exists()


def test_editing_a_teacher_without_a_password_keeps_the_old_one(secretary_client: Client) -> None:
    teacher = TeacherFactory(username="ana.souza")
    teacher.set_password(NEW_PASSWORD)
    teacher.save()
    classroom = ClassroomFactory()

    response = secretary_client.post(
        f"/admin/school/teacher/{teacher.pk}/change/", teacher_form(password="", classrooms=[classroom.pk])
    )

    assert response.status_code == 302
    assert list(teacher.classrooms.all()) == [classroom]
    assert Client().login(request=HttpRequest(), username="ana.souza", password=NEW_PASSWORD)


def test_the_teacher_list_shows_only_teachers_and_filters_by_classroom(secretary_client: Client) -> None:
    classroom = ClassroomFactory()
    assigned = TeacherFactory(classrooms=[classroom])
    TeacherFactory()

    everyone = secretary_client.get("/admin/school/teacher/")
    filtered = secretary_client.get("/admin/school/teacher/", {"classrooms__id__exact": classroom.pk})

    assert everyone.status_code == 200
    assert len(everyone.context["cl"].result_list) == 2
    assert not Teacher.objects.filter(groups__name="Secretaries").exists()
    assert list(filtered.context["cl"].result_list) == [assigned]


def test_a_secretary_has_no_rights_over_users(client: Client) -> None:
    client.force_login(SecretaryFactory())

    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/user/add/").status_code == 403
