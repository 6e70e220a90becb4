from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from recognition.engine import FaceBox, load_image
from recognition.models import FaceMatch, GalleryPhoto, PhotoFace
from recognition.services.engine import get_detector
from recognition.services.gallery import process_photo, review_match
from recognition.services.privacy import MARGIN, public_rendition
from school.services.erasure import erase_face_data
from tests.markers import committing_db
from tests.school.student_data_support import StudentData, student_with_everything

pytestmark = committing_db  # enrollment and gallery processing run on commit, as in production


@pytest.fixture
def data(db: None) -> StudentData:
    return student_with_everything()  # Biden and Obama in two_people.jpg, both with image consent


def pixels(data: bytes) -> NDArray[np.int16]:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def stored(photo: GalleryPhoto) -> NDArray[np.int16]:
    photo.refresh_from_db()
    with photo.image.open("rb") as file:
        return load_image(file.read()).astype(np.int16)


def region(image: NDArray[np.int16], box: FaceBox) -> NDArray[np.int16]:
    return image[box.top : box.bottom, box.left : box.right]


def detail(image: NDArray[np.int16]) -> float:
    """The mean absolute Laplacian of the grey image: edges, the features a face is recognised by."""
    grey = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_64F)).mean())


def faces_found(image: NDArray[np.int16]) -> list[FaceBox]:
    return list(get_detector().detect(np.ascontiguousarray(image.astype(np.uint8))))


def test_the_erased_students_face_is_blurred_in_every_rendition_from_then_on(data: StudentData) -> None:
    photo = data.gallery_photo
    biden = PhotoFace.objects.get(photo=photo, matches__student=data.student).face_box()
    obama = PhotoFace.objects.get(photo=photo, matches__student=data.other).face_box()
    height, width = photo.height or 0, photo.width or 0
    biden_area, obama_area = biden.grown(MARGIN).clipped(height, width), obama.grown(MARGIN).clipped(height, width)
    before = pixels(public_rendition(photo, format="png"))
    assert len(faces_found(before)) == 2  # both consented to their image: nobody is blurred

    erase_face_data(data.student)
    photo.refresh_from_db()  # it names the blurred copy now
    after = pixels(public_rendition(photo, format="png"))
    original_after = stored(photo)

    # Biden's face is gone from the rendition and from the stored photo itself; Obama's is untouched.
    for image in (after, original_after):
        assert detail(region(image, biden_area)) < detail(region(before, biden_area)) / 2
        assert np.abs(region(image, obama_area) - region(before, obama_area)).mean() < 3  # JPEG noise at most
        [found] = faces_found(image)
        assert obama.left - 10 <= found.left < found.right <= obama.right + 10
    assert list(PhotoFace.objects.filter(photo=photo).values_list("matches__student", flat=True)) == [data.other.pk]

    # Processing the photo again, or a reviewer's later decision, cannot bring the face back.
    result = process_photo(photo)
    review_match(FaceMatch.objects.get(photo_face__photo=photo, student=data.other), False, None)
    again = pixels(public_rendition(photo, format="png"))

    assert not result.cached  # detected again, on the stored photo
    assert result.face_count == 1 and [match.student_id for match in result.matches] == [data.other.pk]
    assert not FaceMatch.objects.filter(student=data.student).exists()
    assert detail(region(again, biden_area)) < detail(region(before, biden_area)) / 2
