from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from numpy.typing import NDArray
from PIL import Image

from recognition.engine import FaceBox, load_image
from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob
from recognition.services.engine import get_detector
from recognition.services.enrollment import add_face_photo
from recognition.services.gallery import add_gallery_photos, process_photo, review_match
from recognition.services.privacy import MARGIN, PhotoNotProcessed, faces_to_blur, public_rendition
from school.models import Student
from tests.factories import SecretaryFactory, StudentFactory, TeacherFactory
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos
from tests.support.images import fixture_bytes, two_faces

# Enrollment runs on commit, as in production: the tests that enroll faces commit.


@pytest.fixture
def students(db: None) -> dict[str, Student]:
    """Obama, who consented to his image being shared, and Biden, who did not; both with a ready face photo."""
    students = {}
    for key, name, image_consent in (("obama", "obama.jpg", True), ("biden", "biden.jpg", False)):
        student = StudentFactory(consenting=True, full_name=key.title(), image_consent=image_consent)
        add_face_photo(student, fixture_bytes(name), name)
        students[key] = student
    return students


def processed(gallery: Gallery, name: str, data: bytes | None = None) -> GalleryPhoto:
    if data is None:
        photo = add_photos(gallery, name)[name]
    else:
        [added] = add_gallery_photos(gallery, [(name, data)])
        assert added.photo is not None
        photo = added.photo
    process_photo(photo)
    assert PhotoJob.objects.get(photo=photo).status == PhotoJob.Status.DONE
    return photo


def face_of(photo: GalleryPhoto, student: Student) -> PhotoFace:
    return PhotoFace.objects.get(photo=photo, matches__student=student)


def pixels(data: bytes) -> NDArray[np.int16]:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def stored_pixels(photo: GalleryPhoto) -> NDArray[np.int16]:
    """The photo as stored (re-encoded on upload): what the rendition is made from."""
    with photo.image.open("rb") as stored:
        return load_image(stored.read()).astype(np.int16)


def region(image: NDArray[np.int16], box: FaceBox) -> NDArray[np.int16]:
    return image[box.top : box.bottom, box.left : box.right]


def outside(image: NDArray[np.int16], *boxes: FaceBox) -> NDArray[np.int16]:
    mask = np.ones(image.shape[:2], dtype=bool)
    for box in boxes:
        mask[box.top : box.bottom, box.left : box.right] = False
    return image[mask]


def mean_difference(a: NDArray[np.int16], b: NDArray[np.int16]) -> float:
    return float(np.abs(a - b).mean())


def detail(image: NDArray[np.int16]) -> float:
    """The mean absolute Laplacian of the grey image: edges, the features a face is recognised by."""
    grey = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_64F)).mean())


def hidden(blurred: NDArray[np.int16], original: NDArray[np.int16]) -> bool:
    """The region changed a lot and lost nearly all of its edges."""
    return mean_difference(blurred, original) > 15 and detail(blurred) < detail(original) / 2


def enlarged(photo: GalleryPhoto, face: PhotoFace) -> FaceBox:
    return face.face_box().grown(MARGIN).clipped(photo.height or 0, photo.width or 0)


@committing_db
def test_only_the_face_of_the_student_without_image_consent_is_blurred(
    students: dict[str, Student], gallery: Gallery
) -> None:
    photo = processed(gallery, "two_people.jpg")
    original = stored_pixels(photo)
    biden = enlarged(photo, face_of(photo, students["biden"]))
    obama = enlarged(photo, face_of(photo, students["obama"]))

    rendition = pixels(public_rendition(photo, format="png"))

    assert faces_to_blur(photo) == [face_of(photo, students["biden"]).face_box()]
    assert rendition.shape == original.shape
    assert np.array_equal(outside(rendition, biden), outside(original, biden))  # Obama's face included
    assert np.array_equal(region(rendition, obama), region(original, obama))
    assert hidden(region(rendition, biden), region(original, biden))
    # Unrecognisable: not even found as a face any more, while Obama's still is.
    found = get_detector().detect(np.ascontiguousarray(rendition.astype(np.uint8)))
    assert len(found) == 1 and obama.left <= found[0].left < found[0].right <= obama.right


@committing_db
def test_the_public_jpeg_is_served_to_a_user_allowed_to_view_galleries(
    client: Client, students: dict[str, Student], gallery: Gallery
) -> None:
    photo = processed(gallery, "two_people.jpg")
    original = stored_pixels(photo)
    biden = enlarged(photo, face_of(photo, students["biden"]))
    obama = enlarged(photo, face_of(photo, students["obama"]))
    client.force_login(SecretaryFactory())

    response: Any = client.get(f"/galleries/{gallery.pk}/photos/{photo.pk}/public.jpg")

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    rendition = pixels(response.content)
    # JPEG noise only outside the blurred face; inside, the face is gone.
    assert mean_difference(region(rendition, obama), region(original, obama)) < 3
    assert mean_difference(outside(rendition, biden), outside(original, biden)) < 3
    assert hidden(region(rendition, biden), region(original, biden))


@committing_db
def test_an_unknown_face_is_blurred_only_in_a_gallery_that_asks_for_it(students: dict[str, Student]) -> None:
    data = two_faces("obama.jpg", "alex-lacamoire.png")  # Alex is not enrolled
    blurring = Gallery.objects.create(title="Formatura", blur_unknown_faces=True)
    keeping = Gallery.objects.create(title="Festa junina")
    blurred_photo = processed(blurring, "two.jpg", data)
    kept_photo = processed(keeping, "two.jpg", data)
    alex = PhotoFace.objects.get(photo=blurred_photo, matches__isnull=True)

    rendition = pixels(public_rendition(blurred_photo, format="png"))
    kept = pixels(public_rendition(kept_photo, format="png"))

    original = stored_pixels(blurred_photo)
    box = enlarged(blurred_photo, alex)
    assert faces_to_blur(blurred_photo) == [alex.face_box()]
    assert hidden(region(rendition, box), region(original, box))
    assert np.array_equal(outside(rendition, box), outside(original, box))
    assert faces_to_blur(kept_photo) == [] and np.array_equal(kept, stored_pixels(kept_photo))


@committing_db
def test_a_rejected_match_leaves_the_face_unknown(students: dict[str, Student], gallery: Gallery) -> None:
    photo = processed(gallery, "two_people.jpg")
    obama = face_of(photo, students["obama"])
    review_match(FaceMatch.objects.get(photo_face=obama, student=students["obama"]), False, None)

    kept = faces_to_blur(photo)
    gallery.blur_unknown_faces = True
    gallery.save()
    photo.refresh_from_db()
    blurred = faces_to_blur(photo)

    biden = face_of(photo, students["biden"]).face_box()
    assert kept == [biden]  # Obama is no longer known to have consented, but unknown faces are kept here
    assert sorted(blurred, key=lambda box: box.left) == sorted([biden, obama.face_box()], key=lambda box: box.left)


@pytest.mark.django_db
def test_a_confirmed_match_wins_over_a_closer_one(gallery: Gallery) -> None:
    consenting, refusing = StudentFactory(image_consent=True), StudentFactory(image_consent=False)
    photo = GalleryPhoto.objects.create(gallery=gallery, image="galleries/1.jpg", content_hash="1" * 64)
    PhotoJob.objects.create(photo=photo, status=PhotoJob.Status.DONE)
    face = PhotoFace.objects.create(
        photo=photo, index=0, box_top=10, box_right=60, box_bottom=60, box_left=10, encoding=b"\0" * 512
    )
    closer = FaceMatch.objects.create(photo_face=face, student=refusing, distance=0.3, similarity=80.0)
    further = FaceMatch.objects.create(photo_face=face, student=consenting, distance=0.5, similarity=60.0)

    before = faces_to_blur(photo)
    further.confirmed = True
    further.save()
    after = faces_to_blur(photo)
    closer.confirmed, further.confirmed = True, None
    closer.save()
    further.save()

    assert before == [FaceBox(10, 60, 60, 10)] and after == []
    assert faces_to_blur(photo) == [FaceBox(10, 60, 60, 10)]


@committing_db
def test_a_photo_not_processed_yet_is_refused_rather_than_shown_with_its_faces(
    client: Client, students: dict[str, Student], gallery: Gallery
) -> None:
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    client.force_login(SecretaryFactory())

    response: Any = client.get(f"/galleries/{gallery.pk}/photos/{photo.pk}/public.jpg")

    assert response.status_code == 409 and response.json()["code"] == "not_processed"
    with pytest.raises(PhotoNotProcessed):
        public_rendition(photo)


def grant(user: User, *codenames: str) -> User:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="recognition", codename__in=codenames))
    return user


@committing_db
def test_the_original_is_for_gallery_managers_only(
    client: Client, students: dict[str, Student], gallery: Gallery
) -> None:
    photo = processed(gallery, "two_people.jpg")
    base = f"/galleries/{gallery.pk}/photos/{photo.pk}"
    teacher = grant(TeacherFactory(), "view_gallery", "change_gallery")  # even with the permissions: not staff

    anonymous: Any = client.get(f"{base}/original.jpg")
    anonymous_public: Any = client.get(f"{base}/public.jpg")
    client.force_login(teacher)
    teacher_original: Any = client.get(f"{base}/original.jpg")
    teacher_public: Any = client.get(f"{base}/public.jpg")
    client.force_login(SecretaryFactory())
    secretary_original: Any = client.get(f"{base}/original.jpg")

    assert anonymous.status_code == 302 and anonymous_public.status_code == 302
    assert teacher_original.status_code == 403
    assert teacher_public.status_code == 200
    assert secretary_original.status_code == 200
    with photo.image.open("rb") as stored:
        assert b"".join(secretary_original.streaming_content) == stored.read()


@pytest.mark.django_db
def test_a_user_without_the_gallery_permission_gets_no_rendition(client: Client, gallery: Gallery) -> None:
    photo = GalleryPhoto.objects.create(gallery=gallery, image="galleries/1.jpg", content_hash="1" * 64)
    client.force_login(TeacherFactory())

    response: Any = client.get(f"/galleries/{gallery.pk}/photos/{photo.pk}/public.jpg")

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_photo_is_only_found_in_its_own_gallery(client: Client, gallery: Gallery) -> None:
    other = Gallery.objects.create(title="Outra")
    photo = GalleryPhoto.objects.create(gallery=other, image="galleries/1.jpg", content_hash="1" * 64)
    PhotoJob.objects.create(photo=photo, status=PhotoJob.Status.DONE)
    client.force_login(SecretaryFactory())

    public: Any = client.get(f"/galleries/{gallery.pk}/photos/{photo.pk}/public.jpg")
    original: Any = client.get(f"/galleries/{gallery.pk}/photos/{photo.pk}/original.jpg")

    assert public.status_code == 404 and original.status_code == 404
