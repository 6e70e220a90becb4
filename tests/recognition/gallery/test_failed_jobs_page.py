from __future__ import annotations

import re

import pytest

from recognition.models import Gallery, PhotoJob
from tests.factories import SecretaryFactory, TeacherFactory
from tests.recognition.gallery.pages_support import logged_in, processed_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(gallery: Gallery) -> dict[str, PhotoJob]:
    statuses = {
        "error": (PhotoJob.Status.ERROR, 1, "not_an_image: cannot identify image file"),
        "dead": (PhotoJob.Status.DEAD, 4, "OSError: [Errno 5] Input/output error"),
        "done": (PhotoJob.Status.DONE, 1, ""),
    }
    jobs = {}
    for number, (name, (status, attempts, error)) in enumerate(statuses.items()):
        job = processed_photo(gallery, number).job
        PhotoJob.objects.filter(pk=job.pk).update(status=status, attempts=attempts, last_error=error)
        jobs[name] = PhotoJob.objects.get(pk=job.pk)
    return jobs


def listed(page: str) -> dict[int, str]:
    """The failed-jobs table: job id -> its last error."""
    rows = re.findall(r'<tr data-job-id="(\d+)">.*?<td class="last-error">([^<]*)</td>', page, re.S)
    return {int(job_id): error for job_id, error in rows}


def test_the_failed_tab_lists_error_and_dead_jobs_with_their_last_error(
    gallery: Gallery, jobs: dict[str, PhotoJob]
) -> None:
    other = processed_photo(Gallery.objects.create(title="Formatura"), 9).job
    PhotoJob.objects.filter(pk=other.pk).update(status=PhotoJob.Status.DEAD, last_error="elsewhere")

    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/?tab=failed").content.decode()

    assert listed(page) == {
        jobs["error"].pk: "not_an_image: cannot identify image file",
        jobs["dead"].pk: "OSError: [Errno 5] Input/output error",
    }


def test_retrying_one_failed_job_queues_it_again_from_its_first_attempt(
    gallery: Gallery, jobs: dict[str, PhotoJob], django_capture_on_commit_callbacks: object
) -> None:
    response = logged_in(SecretaryFactory()).post(f"/galleries/{gallery.pk}/retry/", {"job": jobs["dead"].pk})

    assert response.status_code == 302 and response["Location"] == f"/galleries/{gallery.pk}/?tab=failed"
    dead, error = PhotoJob.objects.get(pk=jobs["dead"].pk), PhotoJob.objects.get(pk=jobs["error"].pk)
    assert (dead.status, dead.attempts) == (PhotoJob.Status.PENDING, 0)
    assert error.status == PhotoJob.Status.ERROR


def test_retrying_all_queues_every_failed_job_of_the_gallery_only(gallery: Gallery, jobs: dict[str, PhotoJob]) -> None:
    other = processed_photo(Gallery.objects.create(title="Formatura"), 9).job
    PhotoJob.objects.filter(pk=other.pk).update(status=PhotoJob.Status.DEAD)

    logged_in(SecretaryFactory()).post(f"/galleries/{gallery.pk}/retry/")

    statuses = dict(PhotoJob.objects.values_list("pk", "status"))
    assert statuses[jobs["error"].pk] == statuses[jobs["dead"].pk] == PhotoJob.Status.PENDING
    assert statuses[jobs["done"].pk] == PhotoJob.Status.DONE
    assert statuses[other.pk] == PhotoJob.Status.DEAD


def test_a_teacher_cannot_retry_jobs(gallery: Gallery, jobs: dict[str, PhotoJob]) -> None:
    response = logged_in(TeacherFactory()).post(f"/galleries/{gallery.pk}/retry/")

    assert response.status_code == 403
    assert PhotoJob.objects.get(pk=jobs["dead"].pk).status == PhotoJob.Status.DEAD
