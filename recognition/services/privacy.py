"""The public rendition of a gallery photo: the faces that may not be shared are blurred beyond recognition.

A face is blurred when its best accepted match (a match no reviewer rejected; a confirmed one wins over the
closest) is a student without image consent, and, in a gallery that blurs unknown faces, when no match is left
for it at all. Only a processed photo has known faces: any other is refused, so no face can leak before detection.
"""

from __future__ import annotations

import io
from typing import Literal

import cv2
import numpy as np
from django.conf import settings
from PIL import Image

from recognition.engine import FaceBox, load_image
from recognition.models import FaceMatch, GalleryPhoto, PhotoFace, PhotoJob

#: Each side of a face box is pushed out by this fraction of the box's size before blurring (about 40% larger),
#: so hair line, chin and ears go too: detector boxes are tight around the eyes, nose and mouth.
MARGIN = 0.2
#: The blurred face is first reduced to this many blocks across its longer side: no feature survives that. Measured
#: on two_people.jpg: with 8 blocks over a 20% larger box RetinaFace still finds a head there (unrecognisable, 0.69
#: from the person); with 6 blocks over a 40% larger box it finds no face at all.
BLOCKS = 6
JPEG_QUALITY = 95


class PhotoNotProcessed(Exception):
    """The photo's faces are not known yet (its job is not done): it cannot be rendered without leaking faces."""

    code = "not_processed"

    def __init__(self, photo: GalleryPhoto, status: str) -> None:
        super().__init__(f"gallery photo {photo.pk} is not processed (job: {status or 'none'})")
        self.photo = photo
        self.status = status


def _job_status(photo: GalleryPhoto) -> str:
    return PhotoJob.objects.filter(photo=photo).values_list("status", flat=True).first() or ""


def faces_to_blur(photo: GalleryPhoto) -> list[FaceBox]:
    """The boxes (in the upright image) of the faces of `photo` that the public rendition must hide."""
    blur_unknown = photo.gallery.blur_unknown_faces
    faces = PhotoFace.objects.filter(photo=photo).order_by("index")
    matches = (
        FaceMatch.objects.filter(photo_face__photo=photo)
        .exclude(confirmed=False)
        .select_related("student")
        .order_by("photo_face_id", "distance", "pk")
    )
    best: dict[int, FaceMatch] = {}
    for match in matches:
        current = best.get(match.photo_face_id)
        # Ordered by distance, so the first seen is the closest; a confirmed match replaces an unreviewed one.
        if current is None or (match.confirmed and not current.confirmed):
            best[match.photo_face_id] = match
    boxes = []
    for face in faces:
        accepted = best.get(face.pk)
        if (accepted is None and blur_unknown) or (accepted is not None and not accepted.student.image_consent):
            boxes.append(face.face_box())
    return boxes


def blur_face(image: np.ndarray, box: FaceBox) -> None:
    """Make the region `box` of the RGB `image` unrecognisable, in place: pixelated, then blurred."""
    region = image[box.top : box.bottom, box.left : box.right]
    height, width = region.shape[:2]
    if height == 0 or width == 0:
        return
    scale = BLOCKS / max(height, width)
    small = cv2.resize(
        region, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    blocks = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    kernel = max(3, (max(height, width) // BLOCKS) | 1)  # odd, about a block wide
    image[box.top : box.bottom, box.left : box.right] = cv2.GaussianBlur(blocks, (kernel, kernel), 0)


def public_rendition(photo: GalleryPhoto, *, format: Literal["jpeg", "png"] = "jpeg") -> bytes:
    """`photo` upright, with the faces of faces_to_blur hidden, encoded as JPEG (or lossless PNG).

    Raises PhotoNotProcessed unless the photo's job is done.
    """
    status = _job_status(photo)
    if status != PhotoJob.Status.DONE:
        raise PhotoNotProcessed(photo, status)
    with photo.image.open("rb") as stored:
        data = stored.read()
    image = np.ascontiguousarray(load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)).copy()
    height, width = image.shape[:2]
    for box in faces_to_blur(photo):
        blur_face(image, box.grown(MARGIN).clipped(height, width))
    buffer = io.BytesIO()
    if format == "png":
        Image.fromarray(image).save(buffer, "PNG")
    else:
        Image.fromarray(image).save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
