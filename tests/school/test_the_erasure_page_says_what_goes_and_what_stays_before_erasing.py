from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from attendance.models import AttendanceLog, Presence, PresenceSource, PresenceStatus
from recognition.models import FacePhoto, pack_encoding
from school.models import DATA_PROTECTION_GROUP, AccessKind, AccessLog, Student
from tests.factories import ClassroomFactory, LessonFactory, SecretaryFactory, StudentFactory, UserFactory
from tests.school.student_data_support import jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def student() -> Student:
    """Two enrollment photos, a sighting with its crop and the presence it made; biometric consent only."""
    student = StudentFactory.create(consenting=True, full_name="Joe Biden", registration="2024001")
    for number in range(2):
        photo = FacePhoto(
            student=student,
            content_hash=str(number) * 64,
            status=FacePhoto.Status.READY,
            encoding=pack_encoding(np.full(128, number, dtype=np.float32)),
        )
        photo.image.save("face.jpg", ContentFile(jpeg()), save=False)
        photo.save()
    classroom = ClassroomFactory.create()
    lesson = LessonFactory.create(classroom=classroom)
    log = AttendanceLog(student=student, classroom=classroom, lesson=lesson, seen_at=timezone.now())
    log.crop.save("crop.jpg", ContentFile(jpeg()), save=False)
    log.save()
    Presence.objects.create(
        lesson=lesson, student=student, status=PresenceStatus.PRESENT, source=PresenceSource.CAMERA, evidence=log
    )
    return student


@pytest.fixture
def dpo() -> User:
    user = UserFactory.create(is_staff=True)
    user.groups.add(Group.objects.get(name=DATA_PROTECTION_GROUP))
    return user


def url(student: Student) -> str:
    return f"/admin/school/student/{student.pk}/erase-face-data/"


def row(page: str, table: str, key: str) -> str:
    """The text of the row `key` of the table `table` (what goes, what stays), tags removed."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert body is not None, table
    found = re.search(rf'<tr data-key="{key}">(.*?)</tr>', body.group(1), re.S)
    assert found is not None, key
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def nothing_erased(student: Student) -> bool:
    return (
        FacePhoto.objects.filter(student=student).count() == 2
        and AttendanceLog.objects.filter(student=student).exclude(crop="").count() == 1
        and Student.objects.get(pk=student.pk).biometric_consent
        and not AccessLog.objects.filter(kind=AccessKind.ERASURE).exists()
    )


def test_the_page_lists_what_goes_and_what_stays_and_erases_nothing(
    client: Client, student: Student, dpo: User
) -> None:
    client.force_login(dpo)

    change = client.get(f"/admin/school/student/{student.pk}/change/").content.decode()
    response = client.get(url(student))

    assert f'href="{url(student)}"' in change  # the button on the student's page
    assert response.status_code == 200
    page = response.content.decode()
    assert row(page, "erasure-goes", "face_photos") == "2 enrollment face photos 2"
    assert row(page, "erasure-goes", "encodings") == "2 face encodings 0"
    assert row(page, "erasure-goes", "sighting_crops") == "1 face crop of a sighting 1"
    assert row(page, "erasure-goes", "gallery_faces").startswith("0 ")
    assert row(page, "erasure-stays", "presences") == "1 presence (attendance)"
    assert row(page, "erasure-stays", "sightings") == "1 sighting (without its image)"
    assert 'data-key="biometric"' in page and 'data-key="image"' not in page
    assert 'name="csrfmiddlewaretoken"' in page and 'method="post"' in page
    assert nothing_erased(student)


def test_confirming_erases_and_says_so(student: Student, dpo: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(dpo)
    client.get(url(student))

    forged: Any = client.post(url(student))  # no CSRF token: another site's form
    assert forged.status_code == 403 and nothing_erased(student)
    response: Any = client.post(url(student), {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True)

    assert response.redirect_chain == [(f"/admin/school/student/{student.pk}/change/", 302)]
    assert "The face data of Joe Biden (2024001) was erased." in response.content.decode()
    assert not FacePhoto.objects.filter(student=student).exists()
    assert not AttendanceLog.objects.filter(student=student).exclude(crop="").exists()
    assert Presence.objects.filter(student=student).count() == 1
    assert AccessLog.objects.get(kind=AccessKind.ERASURE).user == dpo


@pytest.mark.parametrize("method", ["get", "post"])
def test_who_may_not_erase_gets_a_403_and_no_button(client: Client, student: Student, method: str) -> None:
    client.force_login(SecretaryFactory.create())  # may change students, not erase their data

    change = client.get(f"/admin/school/student/{student.pk}/change/").content.decode()
    response = getattr(client, method)(url(student))

    assert response.status_code == 403 and url(student) not in change
    assert nothing_erased(student)
