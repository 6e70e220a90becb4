"""A student's faces erased from the galleries (a family's erasure request, or the end of the retention period).

Each face that is the student (its best accepted match is the student, as privacy.faces_to_blur decides whose
consent a face follows) is blurred in the stored photo itself, as the public rendition blurs a face, and its row
goes with its encoding and matches. So every rendition blurs it from then on, whatever later reviews or
reprocessings do: the pixels the face could be found, encoded or recognised from are gone, while the rest of the
photo (the other children, the event) stays as it was. Every other match of the student goes too, and the stored
processing results that name the student or hold the face's encoding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.conf import settings
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.db.models import Q

from recognition.engine import load_image
from recognition.models import FaceMatch, GalleryPhoto, PhotoFace, PhotoJob, ProcessingCache
from recognition.services.privacy import MARGIN, blur_face
from school.models import Student
from school.services.files import delete_files
from school.services.uploads import image_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GalleryHoldings:
    faces: int  # faces that are the student: blurred in their photo, their rows (and encodings) deleted
    photos: int  # photos those faces are in
    matches: int  # the student's matches anywhere, and the other candidates of the student's faces
    cache_entries: int  # stored processing results naming the student or holding the student's faces' encodings


def student_face_ids(student: Student) -> list[int]:
    """The gallery faces that are `student`: whose best accepted match (no reviewer rejected it; a confirmed one
    wins over the closest) is the student."""
    candidates = FaceMatch.objects.filter(student=student).exclude(confirmed=False).values("photo_face_id")
    best: dict[int, tuple[bool, int]] = {}
    for face_id, student_id, confirmed in (
        FaceMatch.objects.filter(photo_face_id__in=candidates)
        .exclude(confirmed=False)
        .order_by("photo_face_id", "distance", "pk")
        .values_list("photo_face_id", "student_id", "confirmed")
    ):
        current = best.get(face_id)
        if current is None or (confirmed and not current[0]):
            best[face_id] = (bool(confirmed), student_id)
    return sorted(face_id for face_id, (_confirmed, student_id) in best.items() if student_id == student.pk)


def _cache_entry_ids(student: Student, face_ids: list[int]) -> list[int]:
    """Stored results naming `student`, and the current results of the photos of the student's faces (they hold
    the faces' encodings)."""
    photo_ids = PhotoFace.objects.filter(pk__in=face_ids).values("photo_id")
    keys = {
        used["cache_key"]
        for used in PhotoJob.objects.filter(photo_id__in=photo_ids).values_list("settings_used", flat=True)
        if isinstance(used, dict) and used.get("cache_key")
    }
    found = set(ProcessingCache.objects.filter(key__in=keys).values_list("pk", flat=True)) if keys else set()
    if connection.features.supports_json_field_contains:
        naming = ProcessingCache.objects.filter(
            payload__contains={"faces": [{"matches": [{"student_id": student.pk}]}]}
        )
        return sorted(found | set(naming.values_list("pk", flat=True)))
    # SQLite has no JSON containment: the payloads are read here (a demo or test database, never a large one).
    for pk, payload in ProcessingCache.objects.values_list("pk", "payload").iterator():
        faces = payload.get("faces", []) if isinstance(payload, dict) else []
        if any(match.get("student_id") == student.pk for face in faces for match in face.get("matches", [])):
            found.add(pk)
    return sorted(found)


def _matches(student: Student, face_ids: list[int]) -> Q:
    return Q(student=student) | Q(photo_face_id__in=face_ids)


def gallery_holdings(student: Student) -> GalleryHoldings:
    """What erase_gallery_faces would remove now."""
    face_ids = student_face_ids(student)
    return GalleryHoldings(
        faces=len(face_ids),
        photos=PhotoFace.objects.filter(pk__in=face_ids).order_by().values("photo_id").distinct().count(),
        matches=FaceMatch.objects.filter(_matches(student, face_ids)).count(),
        cache_entries=len(_cache_entry_ids(student, face_ids)),
    )


@dataclass(frozen=True)
class GalleryErasure:
    holdings: GalleryHoldings
    #: Called if the erasure's transaction fails: removes the blurred copies already written (the rows still name
    #: the originals, which stay).
    undo_files: Callable[[], None]


def erase_gallery_faces(student: Student) -> GalleryErasure:
    """Blur the student's faces in their photos, delete those faces, the student's matches and the stored results
    naming the student. Call inside the erasure's transaction: the originals are deleted once it commits; if it
    rolls back, call `undo_files` of the result (the blurred copies are written before the commit)."""
    face_ids = student_face_ids(student)
    holdings = gallery_holdings(student)
    written: list[tuple[Storage, str]] = []
    faces = PhotoFace.objects.filter(pk__in=face_ids).select_related("photo").order_by("photo_id", "index")
    by_photo: dict[int, list[PhotoFace]] = {}
    for face in faces:
        by_photo.setdefault(face.photo_id, []).append(face)
    try:
        for photo_faces in by_photo.values():
            written.append(_blur_in_place(photo_faces[0].photo, photo_faces))
    except Exception:
        _delete_files(written)
        raise
    ProcessingCache.objects.filter(pk__in=_cache_entry_ids(student, face_ids)).delete()
    FaceMatch.objects.filter(_matches(student, face_ids)).delete()
    PhotoFace.objects.filter(pk__in=face_ids).delete()
    return GalleryErasure(holdings=holdings, undo_files=partial(_delete_files, written))


def _blur_in_place(photo: GalleryPhoto, faces: list[PhotoFace]) -> tuple[Storage, str]:
    """Store `photo` with `faces` blurred under a new name, point the row at it and delete the original after
    commit. Returns the new file (storage, name), for an undo."""
    field = photo.image
    storage, original = field.storage, field.name
    with field.open("rb") as stored:
        data = stored.read()
    image = np.ascontiguousarray(load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)).copy()
    height, width = image.shape[:2]
    for face in faces:
        blur_face(image, face.face_box().grown(MARGIN).clipped(height, width))
    blurred = image_file(image, source=data)  # PNG stays PNG: nothing else of the photo loses quality
    name = storage.save(f"galleries/{blurred.name}", blurred)
    GalleryPhoto.objects.filter(pk=photo.pk).update(image=name)
    if original:
        transaction.on_commit(partial(_delete_files, [(storage, original)]))
    return storage, name


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        delete_files(storage, [name])
