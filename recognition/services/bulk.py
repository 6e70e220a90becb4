"""Bulk enrollment: many photos at once, named after the students' registration numbers."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO

from django.contrib.auth.models import AnonymousUser, User

from recognition.models import FacePhoto
from recognition.services.enrollment import EnrollmentRefused, add_face_photo
from school.models import Student

# `2024001.jpg`, `2024001-2.jpg`: registration, then an optional -N for a student's further photos.
_SUFFIX = re.compile(r"^(?P<registration>.+?)-(?P<number>\d{1,2})$")
IMAGE_SUFFIXES = {"jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "heic", "gif"}
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 1024 * 1024 * 1024  # uncompressed: a zip bomb is refused before anything is extracted


class BadArchive(ValueError):
    pass


@dataclass(frozen=True)
class BulkResult:
    filename: str
    registration: str
    student: Student | None
    photo: FacePhoto | None
    status: str  # a FacePhoto status, or "refused"
    code: str
    detail: str


def _readings(filename: str) -> tuple[str, str]:
    """The file's stem, and the stem without a `-N` suffix (the same when there is none)."""
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()
    suffixed = _SUFFIX.match(stem)
    return stem, suffixed.group("registration") if suffixed else stem


def registration_from_filename(filename: str, known: set[str]) -> str:
    # A registration may itself end in -N: the whole stem wins when a student has it.
    stem, without_suffix = _readings(filename)
    return stem if stem in known else without_suffix


def expand_uploads(files: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """The uploaded files, with the images inside any zip archive taking the archive's place."""
    for name, data in files:
        if name.lower().endswith(".zip"):
            yield from _zip_members(data)
        else:
            yield name, data


def _zip_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise BadArchive("not a zip archive") from None
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not info.filename.rsplit("/", 1)[-1].startswith(".")
    ]
    if len(members) > MAX_ZIP_MEMBERS:
        raise BadArchive(f"the archive has {len(members)} files; the limit is {MAX_ZIP_MEMBERS}")
    if sum(info.file_size for info in members) > MAX_ZIP_BYTES:
        raise BadArchive("the archive expands to more than 1 GiB")
    for info in members:
        yield info.filename.rsplit("/", 1)[-1], archive.read(info)


def bulk_enroll(
    files: Iterable[tuple[str, bytes]], *, created_by: User | AnonymousUser | None = None
) -> list[BulkResult]:
    """Enroll each photo for the student its file name names; one result per file, each independent."""
    uploads = list(expand_uploads(files))
    candidates = {reading for name, _data in uploads for reading in _readings(name)}
    known = set(Student.objects.filter(registration__in=candidates).values_list("registration", flat=True))
    wanted = {registration_from_filename(name, known) for name, _data in uploads}
    students = Student.objects.in_bulk(wanted, field_name="registration")
    results = []
    for name, data in uploads:
        registration = registration_from_filename(name, known)
        student = students.get(registration)
        if student is None:
            results.append(
                BulkResult(
                    name,
                    registration,
                    None,
                    None,
                    "refused",
                    "unknown_student",
                    f"no student with registration {registration}",
                )
            )
            continue
        try:
            upload = add_face_photo(student, data, name, created_by=created_by)
        except EnrollmentRefused as refusal:
            results.append(BulkResult(name, registration, student, None, "refused", refusal.code, refusal.detail))
            continue
        photo = upload.photo
        results.append(
            BulkResult(
                name,
                registration,
                student,
                photo,
                photo.status,
                photo.rejection_code,
                photo.rejection_detail if upload.created else "already uploaded",
            )
        )
    return results
