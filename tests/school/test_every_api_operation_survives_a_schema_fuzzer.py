"""Every operation of the OpenAPI schema, fuzzed by Schemathesis as a secretary and as a device: no server error,
every response as the schema documents it (status, media type, body), every refusal a 4xx with a reason code.

The application is called in-process through its ASGI entry point (school.asgi), whose sync views run on another
thread than the test: the school is committed (a transactional test), not kept in the test's transaction.
Alone: `.venv/bin/python -m pytest tests/school/test_every_api_operation_survives_a_schema_fuzzer.py -s`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attendance.models import Device, PresenceStatus
from attendance.services.manual import set_presence
from attendance.services.roll import close_roll
from recognition.models import FaceGroup, FaceMatch, FacePhoto, Gallery, GalleryPhoto, PhotoFace, pack_encoding
from school.services.lessons import current_lesson
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonScheduleFactory,
    SecretaryFactory,
    StudentFactory,
)
from tests.support.fuzzing import FuzzResult, RealValues, fuzz
from tests.support.images import fixture_bytes

# Committed data: the ASGI application's threads open their own database connections.
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class School:
    secretary_token: str
    device_key: str
    real: RealValues


@pytest.fixture
def school(settings: Any) -> School:
    """A classroom in a lesson now (one student seen, one not yet), a closed past lesson, enrollment photos (one
    ready, one rejected), a gallery photo with a face matched to a student, a secretary with an API token and a
    device with its key."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    classroom = ClassroomFactory(code="3AT.I")
    now = timezone.localtime()
    LessonScheduleFactory(
        classroom=classroom, weekday=now.weekday(), start_time=dt.time(0, 0), end_time=dt.time(23, 59, 59)
    )
    lesson = current_lesson(classroom, now)
    assert lesson is not None
    seen, unseen = (
        EnrollmentFactory(classroom=classroom, student=StudentFactory(consenting=True)).student for _ in range(2)
    )
    EnrollmentFactory(classroom=classroom, student=StudentFactory())  # no consent
    secretary = SecretaryFactory()
    set_presence(lesson, seen, PresenceStatus.PRESENT, by=secretary)
    past = LessonFactory(classroom=classroom, date=now.date() - dt.timedelta(days=1))
    close_roll(past)

    portrait = fixture_bytes("obama.jpg")
    encoding = pack_encoding(np.full(128, 0.05, dtype=np.float32))
    ready = FacePhoto.objects.create(
        student=seen,
        image=ContentFile(portrait, name="ready.jpg"),
        content_hash=hashlib.sha256(portrait).hexdigest(),
        status=FacePhoto.Status.READY,
        encoding=encoding,
        box_top=10,
        box_right=110,
        box_bottom=110,
        box_left=10,
        processed_at=timezone.now(),
    )
    FacePhoto.objects.create(
        student=unseen,
        image=ContentFile(b"not a picture", name="rejected.jpg"),
        content_hash="0" * 64,
        status=FacePhoto.Status.REJECTED,
        rejection_code="not_an_image",
        rejection_detail="cannot identify image file",
    )
    group = fixture_bytes("two_people.jpg")
    gallery = Gallery.objects.create(title="Festa junina")
    photo = GalleryPhoto.objects.create(
        gallery=gallery,
        image=ContentFile(group, name="group.jpg"),
        content_hash=hashlib.sha256(group).hexdigest(),
        width=640,
        height=480,
    )
    face = PhotoFace.objects.create(
        photo=photo, index=0, box_top=50, box_right=200, box_bottom=200, box_left=50, encoding=encoding
    )
    match = FaceMatch.objects.create(photo_face=face, student=seen, distance=0.4, similarity=0.6)

    # One open face group per decision operation: the first decision succeeds, the fuzzer's later ones are 409
    # (reopening answers 200 every time).
    review = {
        action: FaceGroup.objects.create(centroid=encoding, size=1, first_seen_at=now, last_seen_at=now)
        for action in ("assign", "not-a-student", "ignore", "reopen")
    }

    device = Device(name="gateway")
    key = device.issue_key()
    device.save()
    real = RealValues(
        path={
            "/api/classrooms/by-code/{code}": {"code": classroom.code},
            "/api/lessons/{lesson_id}/presences/{student_id}": {"lesson_id": lesson.pk, "student_id": unseen.pk},
            "/api/lessons/{lesson_id}/roll/confirm": {"lesson_id": past.pk},
            "/api/students/{student_id}/faces": {"student_id": seen.pk},
            "/api/faces/{id}": {"id": ready.pk},
            "/api/faces/matches/{id}/confirm": {"id": match.pk},
            "/api/faces/matches/{id}/reject": {"id": match.pk},
            "/api/reports/classrooms/{code}/diary": {"code": classroom.code},
            "/api/reports/classrooms/{code}/diary.csv": {"code": classroom.code},
            "/api/reports/classrooms/{code}/diary.pdf": {"code": classroom.code},
            "/api/reports/students/{registration}": {"registration": seen.registration},
            "/api/reports/students/{registration}.csv": {"registration": seen.registration},
            "/api/reports/students/{registration}.pdf": {"registration": seen.registration},
            **{
                f"/api/galleries/{{gallery_id}}{rest}": {"gallery_id": gallery.pk}
                for rest in ("/photos", "/process-all-faces", "/face-process-status", "/face-results")
            },
            **{
                f"/api/galleries/{{gallery_id}}/photos/{{photo_id}}{rest}": {
                    "gallery_id": gallery.pk,
                    "photo_id": photo.pk,
                }
                for rest in ("/process-faces", "/face-detail")
            },
            **{f"/api/review/groups/{{id}}/{action}": {"id": group.pk} for action, group in review.items()},
            "/api/galleries/{gallery_id}/photos/{photo_id}/faces/{index}/assign": {
                "gallery_id": gallery.pk,
                "photo_id": photo.pk,
                "index": 0,
            },
        },
        query={"classroom_code": classroom.code, "lesson_id": lesson.pk, "student": seen.pk},
        body={"classroom_code": classroom.code, "student_id": seen.pk, "registration": seen.registration},
    )
    return School(secretary_token=Token.objects.create(user=secretary).key, device_key=key, real=real)


def report(identity: str, result: FuzzResult) -> str:
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
    lines = [
        f"schema fuzzer as {identity}: {result.cases} cases run, {result.server_errors} 5xx responses, "
        f"{result.violations} schema violations, {len(result.errors)} errors; "
        f"{len(result.succeeded)} of {len(result.operations)} operations answered 2xx (statuses {statuses})",
        *(f"  violation: {failure}" for failure in result.failures),
        *(f"  error: {error}" for error in result.errors),
    ]
    return "\n".join(lines)


#: What a device may call; a secretary may call every operation but the devices' own.
DEVICE_OPERATIONS = {
    "POST /api/attendance",
    "GET /api/classrooms/by-code/{code}",
    "GET /api/lessons/current",
    "GET /health",
}
DEVICES_ONLY = {"POST /api/attendance"}


@pytest.mark.parametrize("identity", ["secretary", "device"])
def test_every_operation_answers_as_its_schema_says_to_a_fuzzer(
    identity: str, school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    from school.asgi import application

    header = f"Token {school.secretary_token}" if identity == "secretary" else f"Api-Key {school.device_key}"

    result = fuzz(application, {"Authorization": header}, school.real)

    text = report(identity, result)
    with capsys.disabled():  # the counts show in every run, not only with -s
        print(f"\n{text}")
    assert result.cases > 0 and not result.errors, text
    assert (result.server_errors, result.violations) == (0, 0), text
    # The school's real rows were reached: each operation this identity may call answered a success at least once.
    allowed = DEVICE_OPERATIONS if identity == "device" else result.operations - DEVICES_ONLY
    assert allowed <= result.succeeded, f"never 2xx: {sorted(allowed - result.succeeded)}"
