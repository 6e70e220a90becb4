"""Demo data of the recognition app: the demo students' enrollment portraits (the bundled photos of the people they
are named after) and an event gallery waiting to be processed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from recognition.models import FacePhoto, Gallery
from recognition.services.enrollment import add_face_photo
from recognition.services.gallery import add_gallery_photos
from school.models import Classroom, Student

DEMO_FACES_DIR = settings.BASE_DIR / "tests" / "fixtures" / "faces"
DEMO_PHOTOS = {
    "Barack Obama": "obama.jpg",
    "Joe Biden": "biden.jpg",
    "Lin-Manuel Miranda": "lin-manuel-miranda.png",
    "Alex Lacamoire": "alex-lacamoire.png",
}
#: Whose portrait is dated older than ENROLLMENT_MAX_AGE_DAYS: the demo camera sees him (the bundled clip), so
#: "Enrollment proposals" in the admin gets a fresh photo of him to accept or refuse.
DEMO_STALE_STUDENT = "Lin-Manuel Miranda"


def enroll_demo_faces() -> int:
    """Enroll each demo student's portrait (once); returns how many students have a usable face."""
    for name, filename in DEMO_PHOTOS.items():
        student = Student.objects.filter(full_name=name).first()
        if student is None:
            continue
        upload = add_face_photo(student, (DEMO_FACES_DIR / filename).read_bytes(), filename)  # same bytes: no copy
        if name == DEMO_STALE_STUDENT:
            _date_back(upload.photo)
    return (
        FacePhoto.objects.filter(student__full_name__in=DEMO_PHOTOS, status=FacePhoto.Status.READY)
        .values("student")
        .distinct()
        .count()
    )


def _date_back(photo: FacePhoto) -> None:
    """Date the portrait ENROLLMENT_MAX_AGE_DAYS + 30 days back, once: a second run finds it old and leaves it."""
    now = timezone.now()
    FacePhoto.objects.filter(
        pk=photo.pk, created_at__gte=now - dt.timedelta(days=settings.ENROLLMENT_MAX_AGE_DAYS)
    ).update(created_at=now - dt.timedelta(days=settings.ENROLLMENT_MAX_AGE_DAYS + 30))


DEMO_GALLERY = "Festa junina"
#: Event photos: the two candidates together, Obama at another event, and a portrait far too small to recognise.
DEMO_GALLERY_PHOTOS = ["two_people.jpg", "obama2.jpg", "obama_small.jpg", "lin-manuel-miranda.png"]


def ensure_demo_gallery(classroom: Classroom) -> Gallery:
    """The demo classroom's event gallery with its photos uploaded and not processed yet (press "Process
    recognition" on its page); the same photos are not added twice."""
    gallery, _created = Gallery.objects.get_or_create(title=DEMO_GALLERY, defaults={"date": timezone.localdate()})
    gallery.classrooms.add(classroom)
    add_gallery_photos(gallery, [(name, (DEMO_FACES_DIR / name).read_bytes()) for name in DEMO_GALLERY_PHOTOS])
    return gallery
