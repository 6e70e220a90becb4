"""A classroom camera that recognises, with confidence, a student whose enrollment photos are older than
ENROLLMENT_MAX_AGE_DAYS keeps its face crop as an enrollment proposal, and enrolls nothing by itself; a student
recognised as well in the same run but enrolled recently gets none. A secretary accepting the proposal in the admin
adds the crop to the student's photos.

The camera films another photograph of the students than the ones they were enrolled with (two_people.jpg: Barack
Obama, enrolled with obama.jpg, and Joe Biden), panned slowly, as a camera's view of a still scene shifts. In the
Hamilton clip the camera decides Lin-Manuel Miranda at a mean distance of ~0.49 from his portrait (his first views
in the track are poor), beyond FRESH_PHOTO_MAX_DISTANCE; what is proposed is the track's confident view, a single
view of him within it (~0.32). That view is one frame of the clip: the camera plays the file itself (a camera's
source may be a video file), on its media time, so that its 2 frames/s are the same ones at every run (served live,
they hit that frame in about one loop of the clip in ten)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from attendance.models import AttendanceLog, Presence
from cameras.mjpeg import MjpegServer
from recognition.engine import load_image
from recognition.models import EnrollmentProposal, FacePhoto
from recognition.services.engine import get_detector
from recognition.services.freshness import is_stale
from school.models import Student
from tests.cameras.conftest import CLIP, OTHERS, ProcessorThread, School, enroll, lesson_now
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, SecretaryFactory
from tests.markers import committing_db
from tests.support.images import fixture_path
from tests.support.waiting import wait_until

pytestmark = committing_db

WIDTH, HEIGHT, FPS = 640, 360, 10


def panned_video(path: Path, photo: str = "two_people.jpg", seconds: float = 6.0) -> Path:
    """`photo` at 0.6x (faces ~90 px), a 640x360 window panning across it and back, with a sensor's faint noise,
    as an MJPEG AVI (what MjpegServer replays as an ESP32-CAM would)."""
    image = cv2.imread(str(fixture_path(photo)))
    scene = cv2.resize(image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    spare_x, spare_y = scene.shape[1] - WIDTH, scene.shape[0] - HEIGHT
    assert spare_x >= 0 and spare_y >= 0
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    rng = np.random.default_rng(0)
    count = round(seconds * FPS)
    for index in range(count):
        along = 0.5 - 0.5 * np.cos(2 * np.pi * index / count)
        x, y = round(spare_x * along), round(spare_y * along)
        noise = rng.integers(-2, 3, size=(HEIGHT, WIDTH, 3))
        writer.write(np.clip(scene[y : y + HEIGHT, x : x + WIDTH].astype(np.int16) + noise, 0, 255).astype(np.uint8))
    writer.release()
    return path


@pytest.fixture
def two_people_camera(tmp_path: Path) -> Iterator[MjpegServer]:
    server = MjpegServer(panned_video(tmp_path / "two_people.avi"), port=0, fps=FPS)
    server.start()
    yield server
    server.stop()


def photographed_long_ago(student: Student, days: int) -> None:
    FacePhoto.objects.filter(student=student).update(created_at=timezone.now() - dt.timedelta(days=days))


def pending_proposals() -> list[tuple[int, str]]:
    return list(EnrollmentProposal.objects.values_list("student_id", "status"))


def test_the_camera_proposes_the_stale_students_crop_only_and_a_secretary_enrolls_it(
    two_people_camera: MjpegServer, quick_processor: None, processor_thread: Callable[[int], ProcessorThread]
) -> None:
    classroom = ClassroomFactory()
    lesson_now(classroom)
    obama = enroll(classroom, "Barack Obama", "obama.jpg")
    photographed_long_ago(obama, settings.ENROLLMENT_MAX_AGE_DAYS + 35)
    biden = enroll(classroom, "Joe Biden", "biden.jpg")  # photographed today
    assert is_stale(obama) and not is_stale(biden)
    camera = CameraFactory(classroom=classroom, stream_url=two_people_camera.url)
    started = timezone.now()

    processor = processor_thread(camera.pk)
    wait_until(
        lambda: EnrollmentProposal.objects.exists() and Presence.objects.filter(student=biden).exists(),
        45,
        lambda: f"proposals {pending_proposals()}, presences {list(Presence.objects.values_list('student_id'))}",
    )
    processor.close()  # whatever it was recording is recorded: nothing is still on its way

    assert pending_proposals() == [(obama.pk, EnrollmentProposal.Status.PENDING)]
    proposal = EnrollmentProposal.objects.get()
    assert proposal.distance <= settings.FRESH_PHOTO_MAX_DISTANCE
    assert proposal.margin >= settings.FRESH_PHOTO_MIN_MARGIN
    assert proposal.where == camera.name and started <= proposal.seen_at <= timezone.now()
    with proposal.crop.open("rb") as stored:
        crop = stored.read()
    assert crop[:3] == b"\xff\xd8\xff"  # a JPEG
    assert len(get_detector().detect(load_image(crop))) == 1  # of one face
    assert FacePhoto.objects.filter(student=obama).count() == 1  # nothing enrolled by itself
    # Biden was recognised as confidently, but his photos are recent: his recognition proposed nothing.
    biden_log = AttendanceLog.objects.filter(student=biden).order_by("distance").first()
    assert biden_log is not None and biden_log.distance is not None
    assert biden_log.distance <= settings.FRESH_PHOTO_MAX_DISTANCE

    secretary = Client(HTTP_ACCEPT_LANGUAGE="en")
    secretary.force_login(SecretaryFactory())
    assert str(proposal.student) in secretary.get("/admin/recognition/enrollmentproposal/").content.decode()
    response = secretary.post(
        "/admin/recognition/enrollmentproposal/",
        {"action": "accept", "_selected_action": [proposal.pk]},
        follow=True,
    )

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == EnrollmentProposal.Status.ACCEPTED and proposal.face_photo is not None
    assert proposal.face_photo.student_id == obama.pk and proposal.face_photo.status == FacePhoto.Status.READY
    assert FacePhoto.objects.filter(student=obama, status=FacePhoto.Status.READY).count() == 2
    assert not is_stale(obama)


def test_the_camera_proposes_the_confident_view_of_a_face_decided_at_a_poorer_mean(
    school: School, quick_processor: None, processor_thread: Callable[[int], ProcessorThread]
) -> None:
    lin = school.student
    photographed_long_ago(lin, settings.ENROLLMENT_MAX_AGE_DAYS + 30)
    for name, photo in OTHERS:  # someone for a wrong match to pick, and a runner-up to be ahead of
        enroll(school.classroom, name, photo)
    camera = CameraFactory(classroom=school.classroom, stream_url=str(CLIP))

    processor = processor_thread(camera.pk)
    # Lin is decided ~5 s into the 9 s clip.
    wait_until(lambda: EnrollmentProposal.objects.exists(), 30, lambda: f"proposals {pending_proposals()}")
    processor.close()

    assert pending_proposals() == [(lin.pk, EnrollmentProposal.Status.PENDING)]
    proposal = EnrollmentProposal.objects.get()
    assert proposal.distance <= settings.FRESH_PHOTO_MAX_DISTANCE and proposal.margin >= settings.FRESH_PHOTO_MIN_MARGIN
    # The decision, at the track's mean, was not confident enough by itself: the proposal is the view's own.
    decided = AttendanceLog.objects.filter(student=lin).order_by("distance").first()
    assert decided is not None and decided.distance is not None
    assert decided.distance > settings.FRESH_PHOTO_MAX_DISTANCE
    with proposal.crop.open("rb") as stored:
        assert len(get_detector().detect(load_image(stored.read()))) == 1
    assert FacePhoto.objects.filter(student=lin).count() == 1
