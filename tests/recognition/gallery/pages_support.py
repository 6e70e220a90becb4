"""Helpers of the gallery pages' tests: photos with hand-made faces and matches, and logged-in clients."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob
from school.models import Student


def processed_photo(
    gallery: Gallery, number: int, *faces: tuple[Student | None, bool | None], width: int = 1000, height: int = 500
) -> GalleryPhoto:
    """A processed photo (rows only: no file) with one face per (student, confirmed) pair, left to right; a face of
    student None has no match. Face i's box is 100 px square at (left 100 + 200 i, top 50)."""
    photo = GalleryPhoto.objects.create(
        gallery=gallery, image=f"galleries/{number}.jpg", content_hash=f"{number:064}", width=width, height=height
    )
    PhotoJob.objects.create(photo=photo, status=PhotoJob.Status.DONE)
    for index, (student, confirmed) in enumerate(faces):
        left = 100 + 200 * index
        face = PhotoFace.objects.create(
            photo=photo,
            index=index,
            box_top=50,
            box_right=left + 100,
            box_bottom=150,
            box_left=left,
            encoding=b"\0" * 512,
        )
        if student is not None:
            FaceMatch.objects.create(
                photo_face=face, student=student, distance=0.4, similarity=73.1, confirmed=confirmed
            )
    return photo


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
