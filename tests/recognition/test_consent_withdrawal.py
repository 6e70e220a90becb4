from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from school.models import Student
from school.services.consent import set_biometric_consent
from tests.factories import SecretaryFactory
from tests.markers import committing_db
from tests.recognition.conftest import recognize, upload
from tests.school.consent_support import record_form_errors, record_on_student_page
from tests.support import images

pytestmark = committing_db


@pytest.fixture
def enrolled(secretary_api: APIClient, consenting_student: Student) -> Student:
    for name in ("obama.jpg", "obama2.jpg"):
        assert upload(secretary_api, consenting_student, name).status_code == 201
    return consenting_student


def stored_files() -> list[str]:
    return list(FacePhoto.objects.values_list("image", flat=True))


def test_withdrawing_consent_in_the_admin_removes_photos_files_and_matches(
    client: Any, secretary_api: APIClient, enrolled: Student
) -> None:
    files = stored_files()
    client.force_login(SecretaryFactory())

    response = record_on_student_page(client, enrolled, action="withdraw", given_by="Michelle Obama", relation="mãe")

    assert response.status_code == 302, response.context and record_form_errors(response)
    assert not FacePhoto.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    assert recognize(secretary_api, images.fixture_bytes("obama.jpg")).json()["faces"][0]["matches"] == []


def test_a_withdrawal_that_rolls_back_keeps_photos_and_files(enrolled: Student) -> None:
    files = stored_files()

    with pytest.raises(RuntimeError), transaction.atomic():
        set_biometric_consent(enrolled, False, recorded_by=None)
        raise RuntimeError("something later in the same transaction failed")

    assert FacePhoto.objects.filter(student=enrolled).count() == 2
    assert all(default_storage.exists(name) for name in files)
    assert Student.objects.get(pk=enrolled.pk).biometric_consent is True


def test_deleting_a_student_removes_their_photo_files(enrolled: Student) -> None:
    files = stored_files()

    enrolled.delete()

    assert not FacePhoto.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
