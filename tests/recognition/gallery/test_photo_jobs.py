from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from recognition.models import Gallery, GalleryPhoto, PhotoJob
from recognition.services import gallery as gallery_service
from recognition.tasks import requeue_stale_photo_jobs
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import truncated_jpeg

# Jobs are queued on commit and run inline (no broker), retries included: these tests commit.
pytestmark = committing_db


def process_all(client: APIClient, gallery: Gallery) -> Any:
    return client.post(f"/api/galleries/{gallery.pk}/process-all-faces")


def job(photo: GalleryPhoto) -> PhotoJob:
    return PhotoJob.objects.get(photo=photo)


def test_an_unusable_image_ends_in_error_with_its_reason_while_the_others_finish(
    secretary_api: APIClient, gallery: Gallery
) -> None:
    photos = add_photos(gallery, "obama2.jpg", "two_people.jpg")
    damaged = photos["obama2.jpg"]
    with default_storage.open(damaged.image.name, "wb") as stored:  # damaged on disk after the upload
        stored.write(truncated_jpeg("obama2.jpg", keep=0.05))

    response = process_all(secretary_api, gallery)

    assert response.status_code == 202
    assert job(damaged).status == PhotoJob.Status.ERROR
    assert job(damaged).last_error.startswith("not_an_image") and job(damaged).attempts == 1
    assert job(photos["two_people.jpg"]).status == PhotoJob.Status.DONE


def test_a_transient_failure_is_retried_and_then_succeeds(secretary_api: APIClient, gallery: Gallery) -> None:
    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    real = gallery_service.process_photo
    calls: list[int] = []

    def flaky(photo: GalleryPhoto, **kwargs: Any) -> Any:
        calls.append(photo.pk)
        if len(calls) == 1:
            raise OSError("storage unavailable")
        return real(photo, **kwargs)

    with mock.patch("recognition.tasks.process_photo", side_effect=flaky):
        process_all(secretary_api, gallery)

    assert len(calls) == 2
    assert job(photo).status == PhotoJob.Status.DONE and job(photo).attempts == 2
    assert job(photo).last_error == ""
    assert photo.faces.count() == 1


def test_a_photo_that_always_fails_is_dead_after_the_last_attempt(
    secretary_api: APIClient, gallery: Gallery, settings: Any
) -> None:
    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]

    with mock.patch("recognition.tasks.process_photo", side_effect=OSError("storage unavailable")) as failing:
        process_all(secretary_api, gallery)

    assert failing.call_count == settings.GALLERY_MAX_ATTEMPTS
    assert job(photo).status == PhotoJob.Status.DEAD
    assert job(photo).attempts == settings.GALLERY_MAX_ATTEMPTS
    assert "storage unavailable" in job(photo).last_error


def test_processing_everything_again_queues_only_the_photos_not_done(
    secretary_api: APIClient, gallery: Gallery
) -> None:
    photos = add_photos(gallery, "obama2.jpg", "two_people.jpg")
    with mock.patch("recognition.tasks.process_photo", side_effect=OSError("storage unavailable")):
        gallery_service.queue_gallery(gallery)  # both dead
    PhotoJob.objects.filter(photo=photos["two_people.jpg"]).update(status=PhotoJob.Status.DONE)

    response = process_all(secretary_api, gallery)

    assert response.json() == {"queued": 1, "cached": 0}
    assert job(photos["obama2.jpg"]).status == PhotoJob.Status.DONE and job(photos["obama2.jpg"]).attempts == 1


def test_a_job_already_done_is_not_processed_again_by_a_duplicate_delivery(gallery: Gallery) -> None:
    from recognition.tasks import process_gallery_photo

    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    process_gallery_photo.delay(photo.pk)

    with mock.patch("recognition.tasks.process_photo") as processing:
        process_gallery_photo.delay(photo.pk)

    processing.assert_not_called()
    assert job(photo).status == PhotoJob.Status.DONE and job(photo).attempts == 1


def test_a_photo_whose_worker_died_on_every_attempt_ends_dead_instead_of_coming_back_forever(
    gallery: Gallery, settings: Any
) -> None:
    from recognition.tasks import process_gallery_photo

    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    # What GALLERY_MAX_ATTEMPTS deliveries leave when each one's worker process is killed: processing, counted.
    PhotoJob.objects.filter(photo=photo).update(
        status=PhotoJob.Status.PROCESSING, attempts=settings.GALLERY_MAX_ATTEMPTS
    )

    with mock.patch("recognition.tasks.process_photo") as processing:
        process_gallery_photo.delay(photo.pk)  # the message, redelivered once more

    processing.assert_not_called()
    assert job(photo).status == PhotoJob.Status.DEAD
    assert job(photo).last_error.startswith("worker_lost:")


@pytest.mark.parametrize("ended", [PhotoJob.Status.ERROR, PhotoJob.Status.DEAD])
def test_a_stale_message_for_a_job_that_already_ended_does_nothing(gallery: Gallery, ended: str) -> None:
    from recognition.tasks import process_gallery_photo

    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    PhotoJob.objects.filter(photo=photo).update(status=ended, attempts=2, last_error="OSError: gone")

    with mock.patch("recognition.tasks.process_photo") as processing:
        process_gallery_photo.delay(photo.pk)

    processing.assert_not_called()
    assert (job(photo).status, job(photo).attempts, job(photo).last_error) == (ended, 2, "OSError: gone")


def test_jobs_left_processing_by_a_dead_worker_are_queued_again(gallery: Gallery) -> None:
    photos = add_photos(gallery, "obama2.jpg", "two_people.jpg")
    stale, busy = photos["obama2.jpg"], photos["two_people.jpg"]
    PhotoJob.objects.filter(photo=stale).update(
        status=PhotoJob.Status.PROCESSING, attempts=1, updated_at=timezone.now() - timedelta(minutes=30)
    )
    PhotoJob.objects.filter(photo=busy).update(status=PhotoJob.Status.PROCESSING, attempts=1)

    requeued = requeue_stale_photo_jobs.delay().get()

    assert requeued == 1
    assert job(stale).status == PhotoJob.Status.DONE and job(stale).attempts == 2
    assert job(busy).status == PhotoJob.Status.PROCESSING


def test_the_status_counts_the_jobs_faces_and_matches(
    secretary_api: APIClient, enrolled: Any, gallery: Gallery
) -> None:
    photos = add_photos(gallery, "obama2.jpg", "two_people.jpg", "biden.jpg")
    PhotoJob.objects.filter(photo=photos["biden.jpg"]).update(status=PhotoJob.Status.ERROR)  # not queued again...
    with mock.patch.object(gallery_service, "queue_gallery"):  # ...nor the others: process two by hand
        for name in ("obama2.jpg", "two_people.jpg"):
            secretary_api.post(f"/api/galleries/{gallery.pk}/photos/{photos[name].pk}/process-faces")

    response: Any = secretary_api.get(f"/api/galleries/{gallery.pk}/face-process-status")

    assert response.status_code == 200
    assert response.json() == {
        "total": 3,
        "pending": 0,
        "processing": 0,
        "done": 2,
        "error": 1,
        "dead": 0,
        "faces": 3,
        "matches": 3,
    }
