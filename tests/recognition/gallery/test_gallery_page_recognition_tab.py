from __future__ import annotations

import re

import pytest

from recognition.models import Gallery, GalleryPhoto
from tests.factories import SecretaryFactory, StudentFactory
from tests.recognition.gallery.pages_support import logged_in, processed_photo

pytestmark = pytest.mark.django_db


def counts_in(page: str) -> dict[str, int]:
    """The Recognition tab's rows: student name -> number of photos."""
    rows = re.findall(
        r'<td><a href="[^"]*\?student=\d+">([^<]+)</a></td>.*?<td class="photo-count">(\d+)</td>', page, re.S
    )
    return {name: int(count) for name, count in rows}


def grid(page: str) -> list[int]:
    return [int(photo_id) for photo_id in re.findall(r'<li class="tile" data-photo-id="(\d+)">', page)]


@pytest.fixture
def photos(gallery: Gallery) -> dict[str, GalleryPhoto]:
    ana, bia, caio = (StudentFactory(full_name=name) for name in ("Ana", "Bia", "Caio"))
    return {
        "ana_bia": processed_photo(gallery, 1, (ana, None), (bia, True)),
        "ana_twice": processed_photo(gallery, 2, (ana, None), (ana, True)),  # one photo, however many faces
        "bia_rejected": processed_photo(gallery, 3, (bia, False)),
        "caio_rejected": processed_photo(gallery, 4, (caio, False), (None, None)),
        "nobody": processed_photo(gallery, 5),
    }


def test_the_recognition_tab_counts_the_photos_each_student_is_in_without_rejected_matches(
    gallery: Gallery, photos: dict[str, GalleryPhoto]
) -> None:
    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/?tab=recognition").content.decode()

    assert counts_in(page) == {"Ana": 2, "Bia": 1}


def test_choosing_a_student_shows_only_their_photos(gallery: Gallery, photos: dict[str, GalleryPhoto]) -> None:
    client = logged_in(SecretaryFactory())
    tab = client.get(f"/galleries/{gallery.pk}/?tab=recognition").content.decode()
    link = re.search(r'<a href="([^"]+)">Bia</a>', tab)
    assert link is not None

    filtered = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    everything = client.get(f"/galleries/{gallery.pk}/").content.decode()

    assert grid(filtered) == [photos["ana_bia"].pk]
    assert "Bia" in filtered and f'href="/galleries/{gallery.pk}/"' in filtered  # says whose, and how to go back
    assert grid(everything) == [photo.pk for photo in photos.values()]


def test_a_tile_names_the_students_found_in_the_photo(gallery: Gallery, photos: dict[str, GalleryPhoto]) -> None:
    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/").content.decode()

    names = re.findall(r'<span class="names">([^<]+)</span>', page)
    assert names == ["Ana, Bia", "Ana"]
