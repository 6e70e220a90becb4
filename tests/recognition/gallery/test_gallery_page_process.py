from __future__ import annotations

from django.test import Client

from recognition.models import Gallery, PhotoJob
from tests.factories import SecretaryFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.recognition.gallery.pages_support import logged_in

# Photos are queued on commit and processed in-process (no broker): these tests commit.
pytestmark = committing_db


def test_the_process_form_queues_every_photo_and_comes_back_to_the_gallery(gallery: Gallery) -> None:
    add_photos(gallery, "obama2.jpg", "two_people.jpg")
    client: Client = logged_in(SecretaryFactory())

    response = client.post(f"/galleries/{gallery.pk}/process/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == f"/galleries/{gallery.pk}/"
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.DONE}
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 photos queued, 0 done at once from earlier results." in page
    assert 'data-done="2"' in page and 'data-total="2"' in page


def test_processing_again_says_which_photos_came_from_earlier_results(gallery: Gallery) -> None:
    add_photos(gallery, "obama2.jpg", "two_people.jpg")
    client: Client = logged_in(SecretaryFactory())
    client.post(f"/galleries/{gallery.pk}/process/")
    PhotoJob.objects.update(status=PhotoJob.Status.PENDING)  # as after a reset: the stored results still hold

    response = client.post(f"/galleries/{gallery.pk}/process/", HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert "0 photos queued, 2 done at once from earlier results." in response.content.decode()


def test_a_teacher_cannot_start_the_processing(gallery: Gallery) -> None:
    add_photos(gallery, "obama2.jpg")

    response = logged_in(TeacherFactory()).post(f"/galleries/{gallery.pk}/process/")

    assert response.status_code == 403
    assert set(PhotoJob.objects.values_list("status", flat=True)) == {PhotoJob.Status.PENDING}
