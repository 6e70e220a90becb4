"""The fragments the gallery page's script fetches on each progress event (a photo's tile, the Recognition tab's
list, the failed jobs) are the markup the page itself renders, for the gallery's viewers only."""

from __future__ import annotations

import re

import pytest

from recognition.models import Gallery, GalleryPhoto, PhotoJob
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.recognition.gallery.pages_support import logged_in, processed_photo

pytestmark = pytest.mark.django_db


def tile_in(html: str, photo: GalleryPhoto) -> str:
    found = re.search(rf'<li class="tile" data-photo-id="{photo.pk}">.*?</li>', html, re.S)
    assert found is not None, html
    return re.sub(r"\s+", " ", found.group(0))


def block_in(html: str, element_id: str) -> str:
    found = re.search(rf'<div id="{element_id}".*?</div>\s*(?=</section>|$)', html, re.S)
    assert found is not None, html
    return re.sub(r"\s+", " ", found.group(0)).strip()


def test_a_tile_fragment_is_the_tile_the_grid_shows(gallery: Gallery) -> None:
    ana, bia = StudentFactory(full_name="Ana"), StudentFactory(full_name="Bia")
    both = processed_photo(gallery, 1, (ana, None), (bia, True))
    other = processed_photo(gallery, 2, (None, None))
    client = logged_in(SecretaryFactory())

    page = client.get(f"/galleries/{gallery.pk}/").content.decode()
    fragment = client.get(f"/galleries/{gallery.pk}/tiles", {"photo": [both.pk, other.pk, 999999]})

    assert fragment.status_code == 200
    assert fragment["Cache-Control"].startswith("max-age=0")
    html = fragment.content.decode()
    assert tile_in(html, both) == tile_in(page, both)
    assert tile_in(html, other) == tile_in(page, other)
    assert "Ana, Bia" in tile_in(html, both) and 'face-count">2 ' in tile_in(html, both)
    assert html.count('<li class="tile"') == 2  # a photo of no gallery of this page is left out


def test_a_tile_of_a_student_filtered_grid_links_to_the_photo_for_that_student(gallery: Gallery) -> None:
    ana = StudentFactory(full_name="Ana")
    photo = processed_photo(gallery, 1, (ana, True))
    client = logged_in(SecretaryFactory())

    page = client.get(f"/galleries/{gallery.pk}/", {"student": ana.pk}).content.decode()
    html = client.get(f"/galleries/{gallery.pk}/tiles", {"photo": photo.pk, "student": ana.pk}).content.decode()

    assert f"?student={ana.pk}" in tile_in(html, photo)
    assert tile_in(html, photo) == tile_in(page, photo)


def test_the_results_fragment_is_the_recognition_tabs_list_with_its_count(gallery: Gallery) -> None:
    ana, bia = StudentFactory(full_name="Ana"), StudentFactory(full_name="Bia")
    processed_photo(gallery, 1, (ana, None), (bia, True))
    processed_photo(gallery, 2, (ana, None))
    client = logged_in(SecretaryFactory())

    page = client.get(f"/galleries/{gallery.pk}/", {"tab": "recognition"}).content.decode()
    html = client.get(f"/galleries/{gallery.pk}/results").content.decode()

    assert block_in(html, "recognition-results") == block_in(page, "recognition-results")
    assert 'data-students="2"' in html
    assert '<small id="tab-count-recognition">2</small>' in page


def test_the_failed_fragment_lists_the_failed_jobs_as_the_failed_tab_does(gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1)
    PhotoJob.objects.filter(photo=photo).update(status=PhotoJob.Status.DEAD, last_error="boom")
    client = logged_in(SecretaryFactory())

    page = client.get(f"/galleries/{gallery.pk}/", {"tab": "failed"}).content.decode()
    html = client.get(f"/galleries/{gallery.pk}/failed").content.decode()

    assert 'data-failed="1"' in html and "boom" in html
    strip_csrf = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
    assert strip_csrf.sub("", block_in(html, "failed-results")) == strip_csrf.sub("", block_in(page, "failed-results"))


def test_the_fragments_are_refused_to_those_who_cannot_see_galleries(gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1)
    teacher = logged_in(TeacherFactory())
    urls = [f"/galleries/{gallery.pk}/tiles?photo={photo.pk}", f"/galleries/{gallery.pk}/results"]
    urls.append(f"/galleries/{gallery.pk}/failed")

    assert [teacher.get(url).status_code for url in urls] == [403, 403, 403]
    assert logged_in(SecretaryFactory()).get("/galleries/999999/results").status_code == 404


def test_the_gallery_page_no_longer_asks_to_be_refreshed(gallery: Gallery) -> None:
    processed_photo(gallery, 1)

    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/").content.decode()

    assert "refresh" not in page.lower()
    assert 'data-tiles-url="/galleries/' in page and 'data-results-url="/galleries/' in page
