from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from attendance.models import AttendanceLog
from recognition.models import FaceMatch, FacePhoto
from school.models import AccessKind, AccessLog, Student
from school.services import erasure
from school.services.erasure import Holding, erase_face_data
from tests.markers import committing_db
from tests.school.student_data_support import StudentData, media_files, student_with_everything

pytestmark = committing_db  # files go once the erasure commits, as in production


@pytest.fixture
def data(db: None) -> StudentData:
    return student_with_everything()


def test_an_erasure_that_fails_keeps_everything(data: StudentData, monkeypatch: Any) -> None:
    files = media_files(Path(settings.MEDIA_ROOT))

    counted = erasure._other_apps

    def failing_when_erasing(student: Student, *, erase: bool) -> list[Holding]:
        if erase:  # the last step: the gallery photo's blurred copy is written by then
            raise RuntimeError("the database went away")
        return counted(student, erase=erase)

    monkeypatch.setattr(erasure, "_other_apps", failing_when_erasing)

    with pytest.raises(RuntimeError):
        erase_face_data(data.student)

    assert media_files(Path(settings.MEDIA_ROOT)) == files  # no blurred copy left behind, no original gone
    assert FacePhoto.objects.filter(student=data.student).count() == 1
    assert FaceMatch.objects.filter(student=data.student).count() == 1
    assert AttendanceLog.objects.get(pk=data.log.pk).crop.name == data.log.crop.name
    assert Student.objects.get(pk=data.student.pk).biometric_consent
    assert default_storage.exists(str(data.gallery_photo.image.name))
    assert not AccessLog.objects.filter(kind=AccessKind.ERASURE).exists()
