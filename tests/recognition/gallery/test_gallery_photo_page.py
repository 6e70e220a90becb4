from __future__ import annotations

import re

import pytest

from recognition.models import FaceMatch, Gallery
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory
from tests.recognition.gallery.pages_support import logged_in, processed_photo

pytestmark = pytest.mark.django_db


def face_boxes(page: str) -> list[tuple[str, str]]:
    """(place, label) of each face box drawn over the photo: its data-left, -top, -width and -height (percent),
    which the page's script turns into its style (the Content Security Policy forbids style attributes)."""
    boxes = re.findall(r'<a class="face-box[^"]*"([^>]*)>\s*<span class="face-label">([^<]+)</span>', page, re.S)
    return [
        (" ".join(f"{side}={value}" for side, value in re.findall(r'data-(left|top|width|height)="([^"]+)"', a)), label)
        for a, label in boxes
    ]


def test_the_photo_page_draws_each_face_box_with_the_name_of_its_student(gallery: Gallery) -> None:
    ana, bia = StudentFactory(full_name="Ana Souza"), StudentFactory(full_name="Bia Lima")
    photo = processed_photo(gallery, 1, (ana, None), (None, None), (bia, True), width=1000, height=500)

    url = f"/galleries/{gallery.pk}/photos/{photo.pk}/"
    page = logged_in(SecretaryFactory()).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    boxes = face_boxes(page)
    assert [label for _style, label in boxes] == ["Ana Souza", "Unknown", "Bia Lima"]
    # Face 0 is 100 px square at (100, 50) in a 1000 x 500 photo; the numbers read the same in every language.
    assert boxes[0][0] == "left=10.0 top=10.0 width=10.0 height=20.0"
    assert f'src="/galleries/{gallery.pk}/photos/{photo.pk}/original.jpg"' in page


def test_matches_have_confirm_and_reject_buttons_for_the_review_api(gallery: Gallery) -> None:
    photo = processed_photo(gallery, 1, (StudentFactory(), None), (StudentFactory(), True))
    unreviewed, confirmed = FaceMatch.objects.order_by("photo_face__index")

    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/photos/{photo.pk}/").content.decode()

    assert f'data-review-url="/api/faces/matches/{unreviewed.pk}/confirm"' in page
    assert f'data-review-url="/api/faces/matches/{unreviewed.pk}/reject"' in page
    assert f'data-review-url="/api/faces/matches/{confirmed.pk}/confirm"' not in page  # already confirmed
    assert f'data-review-url="/api/faces/matches/{confirmed.pk}/reject"' in page


def test_a_face_without_a_match_offers_to_assign_it_to_a_student_of_the_gallery(gallery: Gallery) -> None:
    classroom = ClassroomFactory()
    gallery.classrooms.add(classroom)
    pupil = EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Caio Prado")).student
    outsider = StudentFactory(full_name="Davi Nunes")
    photo = processed_photo(gallery, 1, (outsider, None), (None, None), (outsider, False))

    page = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/photos/{photo.pk}/").content.decode()

    forms = re.findall(r'data-assign-url="([^"]+)"', page)
    # Face 1 has no match, face 2's only match was rejected; face 0 is taken to be someone already.
    assert forms == [
        f"/api/galleries/{gallery.pk}/photos/{photo.pk}/faces/1/assign",
        f"/api/galleries/{gallery.pk}/photos/{photo.pk}/faces/2/assign",
    ]
    options = re.findall(r'<option value="([^"]+)" data-student-id="(\d+)">', page)
    assert options == [(f"Caio Prado · {pupil.registration}", str(pupil.pk))]
    assert 'name="enroll"' in page
