"""Faces nobody could name, kept for review (issue 15): camera tracks that stayed unknown, gallery faces without a
match. Every write of an UnknownFace goes through here; grouping them by person is review_groups' work.

Also what stops unknown_face alerts for people staff said are not students: the centroids of the "not a student"
groups, from the groups' centroids every process keeps in memory (recognition.services.group_centroids).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from numpy.typing import NDArray

from recognition.engine import ImageRejected, load_image
from recognition.engine.pipeline import face_crop_jpeg
from recognition.models import (
    FaceGroup,
    FaceMatch,
    PhotoFace,
    UnknownFace,
    pack_encoding,
    unpack_encodings,
)
from recognition.services.group_centroids import GROUPS_VERSION, group_centroids
from school.models import Classroom, Lesson
from school.services.files import delete_files_on_commit

logger = logging.getLogger(__name__)


def record_unknown_face(
    *,
    source: str,
    encoding: NDArray[np.floating] | bytes,
    crop_jpeg: bytes | None,
    seen_at: datetime,
    where: str,
    classroom: Classroom | int | None = None,
    lesson: Lesson | int | None = None,
    photo_face: PhotoFace | None = None,
    track_key: str = "",
    quality: float = 0.0,
) -> UnknownFace | None:
    """Keep a face for review; returns its row (None when it could not be stored).

    Idempotent on ``track_key`` (a camera track) and on ``photo_face`` (a gallery face): reporting the same face
    again keeps one row, updated with the new crop and encoding only when ``quality`` is higher. ``crop_jpeg`` is
    JPEG bytes our own code made (stored as is, under a random name). After the commit, clustering is scheduled.
    """
    face = _record(
        source=source,
        encoding=encoding,
        crop_jpeg=crop_jpeg,
        seen_at=seen_at,
        where=where,
        classroom=classroom,
        lesson=lesson,
        photo_face=photo_face,
        track_key=track_key,
        quality=quality,
    )
    if face is not None:
        transaction.on_commit(_schedule_clustering)
    return face


def _record(
    *,
    source: str,
    encoding: NDArray[np.floating] | bytes,
    crop_jpeg: bytes | None,
    seen_at: datetime,
    where: str,
    classroom: Classroom | int | None,
    lesson: Lesson | int | None,
    photo_face: PhotoFace | None,
    track_key: str,
    quality: float,
) -> UnknownFace | None:
    packed = encoding if isinstance(encoding, bytes) else pack_encoding(encoding)
    fields = {
        "source": source,
        "encoding": packed,
        "seen_at": seen_at,
        "where": where[:160],
        "classroom_id": classroom.pk if isinstance(classroom, Classroom) else classroom,
        "lesson_id": lesson.pk if isinstance(lesson, Lesson) else lesson,
        "photo_face": photo_face,
        "track_key": track_key,
        "quality": quality,
    }
    face: UnknownFace | None = None
    for _attempt in range(2):  # a concurrent report of the same face wins the insert: then update that row
        with transaction.atomic():
            existing = _existing(track_key, photo_face)
            if existing is not None:
                face = _improve(existing, packed, crop_jpeg, quality)
                break
            face = UnknownFace(**fields)
            if crop_jpeg:
                face.crop.save("face.jpg", ContentFile(crop_jpeg), save=False)
            try:
                with transaction.atomic():
                    face.save()
            except IntegrityError:
                _delete_files_on_commit([face.crop.name])
                face = None
                continue
            break
    if face is None:
        logger.error("unknown face %s could not be stored", track_key or photo_face)
    return face


def _existing(track_key: str, photo_face: PhotoFace | None) -> UnknownFace | None:
    query = UnknownFace.objects.select_for_update()
    if track_key:
        return query.filter(track_key=track_key).first()
    if photo_face is not None:
        return query.filter(photo_face=photo_face).first()
    return None


def _improve(face: UnknownFace, packed: bytes, crop_jpeg: bytes | None, quality: float) -> UnknownFace:
    """A second report of a face: its better view replaces the stored one (a worse one changes nothing)."""
    if quality <= face.quality:
        return face
    old_crop = face.crop.name
    face.encoding, face.quality = packed, quality
    if crop_jpeg:
        face.crop.save("face.jpg", ContentFile(crop_jpeg), save=False)
    face.save(update_fields=["encoding", "quality", "crop"])
    if face.group_id is not None:
        # Its group's centroid was computed with the old encoding (the face stays clustered: never counted twice).
        from recognition.services.review_groups import refresh_groups

        refresh_groups([face.group_id])
    if crop_jpeg and old_crop:
        _delete_files_on_commit([old_crop])
    return face


def _schedule_clustering() -> None:
    try:
        from recognition.services.review_groups import schedule_clustering
    except ImportError:
        logger.info("unknown faces are not clustered yet: recognition.services.review_groups is missing")
        return
    try:
        schedule_clustering()
    except Exception:  # the face is stored; the next report (or the periodic run) schedules clustering again
        logger.exception("clustering of the unknown faces could not be scheduled")


def _delete_files_on_commit(names: Iterable[str | None]) -> None:
    delete_files_on_commit(UnknownFace._meta.get_field("crop").storage, names)


def forget_unknown_faces(faces: Iterable[UnknownFace]) -> int:
    """Delete these faces from review (they were named after all), their crops once committed, and keep their
    groups' size and centroid true to the members left."""
    faces = list(faces)
    if not faces:
        return 0
    group_ids = {face.group_id for face in faces if face.group_id is not None}
    UnknownFace.objects.filter(pk__in=[face.pk for face in faces]).delete()
    _delete_files_on_commit(face.crop.name for face in faces)
    for group in FaceGroup.objects.select_for_update().filter(pk__in=group_ids):
        members = list(UnknownFace.objects.filter(group=group).values_list("encoding", flat=True))
        group.size = len(members)
        if members:
            group.centroid = pack_encoding(unpack_encodings(members).mean(axis=0))
        group.save(update_fields=["size", "centroid"])
    if group_ids:
        GROUPS_VERSION.bump_on_commit()  # their centroids moved
    return len(faces)


# --- gallery faces ----------------------------------------------------------------------------------------------


def unmatched_q() -> Q:
    """Gallery faces nobody is proposed for: no match, or only matches a person rejected."""
    proposed = FaceMatch.objects.filter(photo_face=OuterRef("pk")).exclude(confirmed=False)
    return ~Q(Exists(proposed))


Previous = dict[tuple[int, int, bytes], int]


def detach_gallery_faces(photo_ids: Iterable[int]) -> Previous:
    """Before photos' faces are replaced (a reprocessing deletes the PhotoFace rows, which would cascade to their
    UnknownFaces and lose their groups): unlink their UnknownFaces, and return them by (photo, face index,
    encoding) for :func:`keep_unmatched_gallery_faces`. Call inside the processing's transaction."""
    faces = UnknownFace.objects.filter(photo_face__photo_id__in=list(photo_ids))
    previous = {
        (photo_id, index, bytes(encoding)): pk
        for pk, photo_id, index, encoding in faces.values_list(
            "pk", "photo_face__photo_id", "photo_face__index", "encoding"
        )
    }
    if previous:
        UnknownFace.objects.filter(pk__in=previous.values()).update(photo_face=None)
    return previous


def keep_unmatched_gallery_faces(photo_ids: Iterable[int], previous: Previous, processed_at: datetime) -> int:
    """After photos were processed: each unmatched face is kept for review. The same face as before (index and
    encoding) gets its UnknownFace back, group, crop and all; a new one gets a new UnknownFace (a crop cut from the
    photo); the previous ones not taken back, and the faces matched now, leave review. Returns how many are new."""
    photo_ids = list(photo_ids)
    previous = dict(previous)
    added = _keep_unmatched(photo_ids, previous, processed_at)
    now_matched = UnknownFace.objects.filter(photo_face__photo_id__in=photo_ids).exclude(
        photo_face__in=PhotoFace.objects.filter(photo_id__in=photo_ids).filter(unmatched_q())
    )
    forget_unknown_faces([*now_matched, *UnknownFace.objects.filter(pk__in=previous.values())])
    if added:
        transaction.on_commit(_schedule_clustering)
    return added


def _keep_unmatched(photo_ids: list[int], previous: Previous, processed_at: datetime) -> int:
    unmatched = list(
        PhotoFace.objects.filter(photo_id__in=photo_ids, unknown_face__isnull=True)
        .filter(unmatched_q())
        .select_related("photo__gallery")
        .order_by("photo_id", "index")
    )
    added = 0
    images: dict[int, NDArray[np.uint8] | None] = {}
    for face in unmatched:
        kept = previous.pop((face.photo_id, face.index, bytes(face.encoding)), None)
        if kept is not None:
            UnknownFace.objects.filter(pk=kept).update(photo_face=face)
            continue
        if face.photo_id not in images:
            images[face.photo_id] = _photo_image(face)
        image = images[face.photo_id]
        stored = _record(
            source=UnknownFace.Source.GALLERY,
            encoding=bytes(face.encoding),
            crop_jpeg=face_crop_jpeg(image, face.face_box()) if image is not None else None,
            seen_at=processed_at,
            where=face.photo.gallery.title,
            classroom=None,
            lesson=None,
            photo_face=face,
            track_key="",
            quality=float(face.face_box().size),
        )
        added += stored is not None
    return added


def sync_gallery_face(face: PhotoFace) -> None:
    """After a person reviewed a face's matches: unmatched now, it is kept for review; matched, it leaves it."""
    unmatched = PhotoFace.objects.filter(pk=face.pk).filter(unmatched_q()).exists()
    kept = UnknownFace.objects.filter(photo_face=face).first()
    if unmatched and kept is None:
        if _keep_unmatched([face.photo_id], {}, timezone.now()):
            transaction.on_commit(_schedule_clustering)
    elif not unmatched and kept is not None:
        forget_unknown_faces([kept])


def _photo_image(face: PhotoFace) -> NDArray[np.uint8] | None:
    try:
        with face.photo.image.open("rb") as stored:
            data = stored.read()
        return load_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    except (OSError, ImageRejected):  # the face is kept without a crop: its encoding is what groups it
        logger.warning("gallery photo %s: no crop for its unknown faces", face.photo_id)
        return None


# --- not a student: no unknown_face alert -----------------------------------------------------------------------


def is_not_a_student(encoding: NDArray[np.floating]) -> bool:
    """Whether this face lies within REVIEW_CLUSTER_DISTANCE of a group staff decided is not a student (a
    visitor, a teacher): no unknown_face alert for it. "Ignored" groups still alert: ignoring says the faces are
    not worth reviewing, not that the person may be there."""
    matrix = group_centroids().not_a_student
    if not len(matrix):
        return False
    distances = np.linalg.norm(matrix - np.asarray(encoding, dtype=np.float32).reshape(1, 128), axis=1)
    return bool(distances.min() <= settings.REVIEW_CLUSTER_DISTANCE)
