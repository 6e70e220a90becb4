from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from school.models import AccessKind, AccessLog
from school.services.erasure import erase_face_data, erasure_plan
from tests.markers import committing_db
from tests.school.student_data_support import StudentData, media_files, staff_with, student_with_everything

pytestmark = committing_db  # files go once the erasure commits, as in production


@pytest.fixture
def data(db: None) -> StudentData:
    return student_with_everything()


def test_a_second_erasure_finds_nothing_and_still_gives_a_receipt(data: StudentData) -> None:
    dpo = staff_with("view_student", "erase_student_data")
    erase_face_data(data.student, user=dpo)
    files = media_files(Path(settings.MEDIA_ROOT))

    again = erase_face_data(data.student, user=dpo)
    automatic = erase_face_data(data.student)  # the retention period's, with nobody asking

    assert again.nothing_to_erase and automatic.nothing_to_erase and erasure_plan(data.student).nothing_to_erase
    assert media_files(Path(settings.MEDIA_ROOT)) == files
    assert AccessLog.objects.filter(kind=AccessKind.ERASURE).count() == 2  # none for the automatic run
    assert AccessLog.objects.filter(kind=AccessKind.ERASURE).first().target == "erased: nothing left"  # type: ignore[union-attr]
