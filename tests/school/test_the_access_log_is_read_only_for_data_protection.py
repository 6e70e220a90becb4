"""The Data protection group reads the access log in the admin, by student too; nobody adds, changes or deletes an
entry, superusers included; a secretary (no view_accesslog) is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from school.models import DATA_PROTECTION_GROUP, AccessKind, AccessLog, Student
from tests.factories import SecretaryFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/school/accesslog/"


def dpo() -> User:
    user = UserFactory(username="dpo", is_staff=True)
    user.groups.add(Group.objects.get(name=DATA_PROTECTION_GROUP))
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entries(db: None) -> tuple[Student, Student, list[AccessLog]]:
    ana = StudentFactory(full_name="Ana Beatriz", registration="2024001")
    bruno = StudentFactory(full_name="Bruno Lima", registration="2024002")
    viewer = SecretaryFactory(username="secretaria")
    made = [
        AccessLog.objects.create(
            user=viewer,
            username="secretaria",
            kind=AccessKind.FACE_PHOTO,
            student=ana,
            registration="2024001",
            target="face photo 1",
            ip="192.0.2.1",
        ),
        AccessLog.objects.create(
            user=viewer,
            username="secretaria",
            kind=AccessKind.REPORT_EXPORT,
            student=ana,
            registration="2024001",
            target="student-2024001.pdf",
            ip="192.0.2.1",
        ),
        AccessLog.objects.create(
            user=viewer,
            username="secretaria",
            kind=AccessKind.EVIDENCE_CROP,
            student=bruno,
            registration="2024002",
            target="attendance log 9",
            ip="192.0.2.2",
        ),
    ]
    return ana, bruno, made


def test_the_dpo_lists_the_entries_with_who_what_whom_and_from_where(
    entries: tuple[Student, Student, list[AccessLog]],
) -> None:
    response = logged_in(dpo()).get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "face photo 1" in page and "student-2024001.pdf" in page and "attendance log 9" in page
    assert "secretaria" in page and "192.0.2.2" in page and "Bruno Lima" in page
    assert response.context["cl"].result_count == 3


def test_the_dpo_filters_by_student_from_the_students_page(
    entries: tuple[Student, Student, list[AccessLog]], english: None
) -> None:
    ana, _, _ = entries
    client = logged_in(dpo())

    student_page = client.get(reverse("admin:school_student_change", args=[ana.pk])).content.decode()
    link = f"{CHANGELIST}?student__id__exact={ana.pk}"
    assert f'href="{link}"' in student_page
    assert "Access log (2)" in student_page

    response = client.get(link)

    assert response.status_code == 200
    assert sorted(entry.target for entry in response.context["cl"].result_list) == [
        "face photo 1",
        "student-2024001.pdf",
    ]


def test_the_dpo_finds_a_students_entries_by_registration(entries: tuple[Student, Student, list[AccessLog]]) -> None:
    response = logged_in(dpo()).get(CHANGELIST, {"q": "2024002"})

    assert [entry.target for entry in response.context["cl"].result_list] == ["attendance log 9"]


@pytest.mark.parametrize("who", ["dpo", "superuser"])
def test_nobody_adds_changes_or_deletes_an_entry(entries: tuple[Student, Student, list[AccessLog]], who: str) -> None:
    user = dpo() if who == "dpo" else UserFactory(is_staff=True, is_superuser=True)
    client = logged_in(user)
    entry = entries[2][0]
    change = reverse("admin:school_accesslog_change", args=[entry.pk])

    assert client.get(reverse("admin:school_accesslog_add")).status_code == 403
    assert client.post(change, {"target": "nothing to see"}).status_code == 403
    assert client.post(reverse("admin:school_accesslog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.target == "face photo 1" and AccessLog.objects.count() == 3
    assert client.get(change).status_code == 200  # read-only view
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()


def test_a_secretary_without_the_permission_is_refused_and_sees_no_link(
    entries: tuple[Student, Student, list[AccessLog]],
) -> None:
    ana, _, _ = entries
    client = logged_in(SecretaryFactory())

    assert client.get(CHANGELIST).status_code == 403
    student_page = client.get(reverse("admin:school_student_change", args=[ana.pk]))
    assert student_page.status_code == 200
    assert "student__id__exact" not in student_page.content.decode()
