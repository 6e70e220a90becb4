"""A camera crop of a decided, high-margin recognition of a student whose photos are old is proposed as a fresh
enrollment photo; a secretary accepts it (through the enrollment checks) or refuses it. Nothing is enrolled
silently."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from recognition.engine.geometry import FaceBox
from recognition.engine.pipeline import Identification
from recognition.models import EnrollmentProposal, FacePhoto
from recognition.services.freshness import offer_from_identification, propose_fresh_photo
from school.models import AccessKind, AccessLog, Student
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.support.images import blank_png, fixture_bytes

ENCODING = np.linspace(-0.1, 0.1, 128, dtype=np.float32)


def enrolled(days_old: int, *, consenting: bool = True) -> Student:
    student = StudentFactory(consenting=consenting)
    photo = FacePhoto.objects.create(
        student=student, content_hash="h".ljust(64, "x"), status=FacePhoto.Status.READY, encoding=ENCODING.tobytes()
    )
    FacePhoto.objects.filter(pk=photo.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    return student


def propose(student: Student, *, distance: float = 0.3, margin: float = 0.2, crop: bytes | None = None) -> object:
    return propose_fresh_photo(
        student,
        crop_jpeg=crop if crop is not None else fixture_bytes("obama.jpg"),
        encoding=ENCODING,
        distance=distance,
        margin=margin,
        seen_at=timezone.now(),
        where="Porta",
    )


def test_only_a_confident_recognition_of_a_stale_student_is_proposed_once(db: None) -> None:
    stale = enrolled(400)

    assert propose(stale, distance=0.45) is None  # beyond FRESH_PHOTO_MAX_DISTANCE
    assert propose(stale, margin=0.1) is None  # under FRESH_PHOTO_MIN_MARGIN
    assert propose(enrolled(30)) is None  # photos recent enough
    assert propose(enrolled(400, consenting=False)) is None
    first = propose(stale)
    assert isinstance(first, EnrollmentProposal)
    assert first.status == EnrollmentProposal.Status.PENDING and first.where == "Porta"
    assert propose(stale) is None  # one pending proposal per student
    assert EnrollmentProposal.objects.count() == 1
    assert FacePhoto.objects.filter(student=stale).count() == 1  # nothing enrolled by itself


def test_a_camera_identification_offers_its_crop_with_its_margin(db: None) -> None:
    stale = enrolled(400)

    def identification(margin: float) -> Identification:
        return Identification(
            track_id=1,
            student_id=stale.pk,
            distance=0.3,
            box=FaceBox(10, 110, 110, 10),
            timestamp=0.0,
            crop_jpeg=fixture_bytes("obama.jpg"),
            margin=margin,
            encoding=ENCODING,
        )

    assert offer_from_identification(stale, identification(0.05), seen_at=timezone.now(), where="C1") is None
    proposal = offer_from_identification(stale, identification(0.3), seen_at=timezone.now(), where="C1")
    assert proposal is not None and proposal.margin == pytest.approx(0.3)


def _secretary() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(SecretaryFactory())
    return client


def _act(client: Client, action: str, proposal: EnrollmentProposal) -> str:
    response = client.post(
        "/admin/recognition/enrollmentproposal/",
        {"action": action, "_selected_action": [proposal.pk]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_secretary_accepts_a_proposal_and_the_crop_becomes_an_enrollment_photo(db: None) -> None:
    student = enrolled(400)
    proposal = propose(student)
    assert isinstance(proposal, EnrollmentProposal)

    _act(_secretary(), "accept", proposal)

    proposal.refresh_from_db()
    assert proposal.status == EnrollmentProposal.Status.ACCEPTED
    assert proposal.face_photo is not None and proposal.face_photo.status == FacePhoto.Status.READY
    assert proposal.decided_by is not None
    assert FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY).count() == 2


def test_a_crop_that_fails_the_enrollment_checks_stays_pending_with_the_reason(db: None) -> None:
    student = enrolled(400)
    proposal = propose(student, crop=blank_png(200, 200))
    assert isinstance(proposal, EnrollmentProposal)

    page = _act(_secretary(), "accept", proposal)

    proposal.refresh_from_db()
    assert proposal.status == EnrollmentProposal.Status.PENDING
    assert "No face was found" in page and "stays to decide" in page
    assert FacePhoto.objects.filter(student=student).count() == 1


def test_a_secretary_refuses_a_proposal_and_its_crop_goes(db: None, django_capture_on_commit_callbacks: object) -> None:
    student = enrolled(400)
    proposal = propose(student)
    assert isinstance(proposal, EnrollmentProposal)
    storage, name = proposal.crop.storage, proposal.crop.name

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _act(_secretary(), "refuse", proposal)

    proposal.refresh_from_db()
    assert proposal.status == EnrollmentProposal.Status.REFUSED
    assert not proposal.crop and not storage.exists(name)
    assert propose(student) is not None  # decided: the camera may propose again


def test_the_crop_is_shown_to_secretaries_only_and_each_viewing_is_logged(db: None) -> None:
    proposal = propose(enrolled(400))
    assert isinstance(proposal, EnrollmentProposal)
    url = f"/recognition/proposals/{proposal.pk}/crop.jpg"
    teacher = Client()
    teacher.force_login(TeacherFactory())

    assert teacher.get(url).status_code == 403
    response = _secretary().get(url)

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == proposal.crop.open("rb").read()  # type: ignore[attr-defined]
    assert (
        AccessLog.objects.filter(kind=AccessKind.PROPOSED_PHOTO, target=f"enrollment proposal {proposal.pk}").count()
        == 1
    )
