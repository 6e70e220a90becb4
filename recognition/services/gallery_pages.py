"""Read-only queries behind the staff gallery pages (selectors): nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob, RejectionReason
from recognition.services.gallery import AddedPhoto, gallery_scope, job_counts
from school.models import Student

#: What a staff member needs to see the gallery pages and their live progress (the API's CanViewGallery too).
GALLERY_VIEW_PERMISSIONS = ("recognition.view_gallery", "recognition.view_facematch")
PHOTOS_PER_PAGE = 48
FAILED = (PhotoJob.Status.ERROR, PhotoJob.Status.DEAD)


def can_view_galleries(user: Any) -> bool:
    """Active staff members holding the gallery view permissions."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(GALLERY_VIEW_PERMISSIONS)
    )


@dataclass(frozen=True)
class GalleryRow:
    gallery: Gallery
    photos: int
    done: int
    failed: int


def gallery_rows() -> list[GalleryRow]:
    """Every gallery, newest first, with how many photos it has and how many are processed or failed."""
    galleries = Gallery.objects.annotate(
        photo_count=Count("photos"),
        done_count=Count("photos", filter=Q(photos__job__status=PhotoJob.Status.DONE)),
        failed_count=Count("photos", filter=Q(photos__job__status__in=FAILED)),
    )
    return [GalleryRow(gallery, gallery.photo_count, gallery.done_count, gallery.failed_count) for gallery in galleries]


@dataclass(frozen=True)
class StudentCount:
    student_id: int
    name: str
    registration: str
    photos: int  # photos of the gallery the student appears in


def accepted_matches(gallery: Gallery) -> QuerySet[FaceMatch]:
    """The gallery's matches that no reviewer rejected."""
    return FaceMatch.objects.filter(photo_face__photo__gallery=gallery).exclude(confirmed=False)


def gallery_students(gallery: Gallery) -> list[StudentCount]:
    """The students found in the gallery (rejected matches left out), most photographed first."""
    rows = (
        accepted_matches(gallery)
        .values("student_id", "student__full_name", "student__registration")
        .annotate(photos=Count("photo_face__photo", distinct=True))
        .order_by("-photos", "student__full_name", "student_id")
    )
    return [
        StudentCount(row["student_id"], row["student__full_name"], row["student__registration"], row["photos"])
        for row in rows
    ]


@dataclass(frozen=True)
class PhotoTile:
    photo: GalleryPhoto
    status: str  # the job's status (a photo without a job is pending)
    status_label: str
    faces: int
    names: list[str]  # the students accepted in the photo, by name


@dataclass(frozen=True)
class GalleryPage:
    gallery: Gallery
    counts: dict[str, int]  # job_counts: total, pending, processing, done, error, dead
    students: list[StudentCount]
    student: Student | None  # the student the photo grid is filtered to
    page: Page[GalleryPhoto]
    tiles: list[PhotoTile]
    failed_jobs: list[PhotoJob]

    @property
    def done(self) -> int:
        return self.counts[PhotoJob.Status.DONE]

    @property
    def failed(self) -> int:
        return self.counts[PhotoJob.Status.ERROR] + self.counts[PhotoJob.Status.DEAD]

    @property
    def total(self) -> int:
        return self.counts["total"]

    @property
    def done_percent(self) -> float:
        return _percent(self.done, self.total)

    @property
    def failed_percent(self) -> float:
        return _percent(self.failed, self.total)


def gallery_photos(gallery: Gallery, student_id: int | None = None) -> QuerySet[GalleryPhoto]:
    """The gallery's photos in upload order; with `student_id`, only those the student appears in (not rejected)."""
    photos = GalleryPhoto.objects.filter(gallery=gallery).select_related("job").order_by("uploaded_at", "pk")
    if student_id is not None:
        wanted = accepted_matches(gallery).filter(student_id=student_id).values("photo_face__photo_id")
        photos = photos.filter(pk__in=wanted)
    return photos


def _tiles(photos: list[GalleryPhoto]) -> list[PhotoTile]:
    ids = [photo.pk for photo in photos]
    faces = dict(
        PhotoFace.objects.filter(photo_id__in=ids)
        .values("photo_id")
        .annotate(n=Count("pk"))
        .values_list("photo_id", "n")
    )
    names: dict[int, list[str]] = {}
    for photo_id, name in (
        FaceMatch.objects.filter(photo_face__photo_id__in=ids)
        .exclude(confirmed=False)
        .order_by("student__full_name")
        .values_list("photo_face__photo_id", "student__full_name")
        .distinct()
    ):
        names.setdefault(photo_id, []).append(name)
    tiles = []
    for photo in photos:
        job = getattr(photo, "job", None)
        status = PhotoJob.Status(job.status) if job else PhotoJob.Status.PENDING
        tiles.append(PhotoTile(photo, status.value, str(status.label), faces.get(photo.pk, 0), names.get(photo.pk, [])))
    return tiles


def photo_tiles(gallery: Gallery, photo_ids: list[int]) -> list[PhotoTile]:
    """The grid's tiles of the gallery's photos among `photo_ids` (others are left out), in grid order: what the
    gallery page's script fetches to update the photos that just finished."""
    return _tiles(list(gallery_photos(gallery).filter(pk__in=photo_ids)))


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    outcome: str  # stored, duplicate or refused
    photo_id: int | None
    reason: str  # why it was refused, for people


def upload_outcomes(results: list[AddedPhoto]) -> list[UploadOutcome]:
    """How each uploaded file went, as the upload form shows it."""
    outcomes = []
    for result in results:
        if result.photo is None:
            label = RejectionReason(result.code).label if result.code in RejectionReason.values else result.code
            outcomes.append(UploadOutcome(result.filename, "refused", None, f"{label} ({result.detail})"))
        else:
            outcome = "stored" if result.created else "duplicate"
            outcomes.append(UploadOutcome(result.filename, outcome, result.photo.pk, ""))
    return outcomes


def failed_jobs(gallery: Gallery) -> QuerySet[PhotoJob]:
    """The gallery's jobs that ended in error or died, most recent first."""
    return (
        PhotoJob.objects.filter(photo__gallery=gallery, status__in=FAILED)
        .select_related("photo")
        .order_by("-updated_at", "pk")
    )


def gallery_page(gallery: Gallery, *, student_id: int | None = None, page_number: Any = 1) -> GalleryPage:
    """Everything the gallery page shows: progress counts, the students found, one page of the photo grid (filtered
    to a student's photos with `student_id`) and the failed jobs."""
    page = Paginator(gallery_photos(gallery, student_id), PHOTOS_PER_PAGE).get_page(page_number)
    return GalleryPage(
        gallery=gallery,
        counts=job_counts(gallery.pk),
        students=gallery_students(gallery),
        student=Student.objects.filter(pk=student_id).first() if student_id is not None else None,
        page=page,
        tiles=_tiles(list(page.object_list)),
        failed_jobs=list(failed_jobs(gallery)),
    )


@dataclass(frozen=True)
class FaceView:
    face: PhotoFace
    # The box in percent of the photo's width and height, for CSS positioning over the image.
    left: float
    top: float
    width: float
    height: float
    matches: list[FaceMatch]  # every candidate, rejected ones included, closest first
    accepted: FaceMatch | None  # who the face is taken to be: a confirmed match, else the closest not rejected

    @property
    def unknown(self) -> bool:
        return self.accepted is None


@dataclass(frozen=True)
class PhotoPage:
    photo: GalleryPhoto
    job_status: str
    job_status_label: str
    faces: list[FaceView]
    students: list[Student]  # who a face can be assigned to


def _percent(part: int, whole: int | None) -> float:
    return round(100 * part / whole, 3) if whole else 0.0


def _face_view(face: PhotoFace, photo: GalleryPhoto) -> FaceView:
    matches = list(face.matches.all())
    standing = [match for match in matches if match.confirmed is not False]
    accepted = next((match for match in standing if match.confirmed), standing[0] if standing else None)
    return FaceView(
        face=face,
        left=_percent(face.box_left, photo.width),
        top=_percent(face.box_top, photo.height),
        width=_percent(face.box_right - face.box_left, photo.width),
        height=_percent(face.box_bottom - face.box_top, photo.height),
        matches=matches,
        accepted=accepted,
    )


def assignable_students(gallery: Gallery) -> QuerySet[Student]:
    """The students a gallery face can be assigned to: the gallery's classrooms' students, or every active one."""
    scope = gallery_scope(gallery)
    students = Student.objects.filter(active=True) if scope is None else Student.objects.filter(pk__in=scope)
    return students.order_by("full_name", "registration")


def photo_page(photo: GalleryPhoto) -> PhotoPage:
    """One photo's faces, each with its box, its candidate students and who it is taken to be."""
    faces = (
        PhotoFace.objects.filter(photo=photo)
        .order_by("index")
        .prefetch_related(
            Prefetch("matches", queryset=FaceMatch.objects.select_related("student").order_by("distance", "pk"))
        )
    )
    job = PhotoJob.objects.filter(photo=photo).first()
    status = PhotoJob.Status(job.status) if job else PhotoJob.Status.PENDING
    return PhotoPage(
        photo=photo,
        job_status=status.value,
        job_status_label=str(status.label),
        faces=[_face_view(face, photo) for face in faces],
        students=list(assignable_students(photo.gallery)),
    )
