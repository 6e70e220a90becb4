"""Enrollment photos for the demo school: the bundled portraits of the people the demo students are named after."""

from __future__ import annotations

from django.conf import settings

from recognition.models import FacePhoto
from recognition.services.enrollment import add_face_photo
from school.models import Student

DEMO_FACES_DIR = settings.BASE_DIR / "tests" / "fixtures" / "faces"
DEMO_PHOTOS = {
    "Barack Obama": "obama.jpg",
    "Joe Biden": "biden.jpg",
    "Lin-Manuel Miranda": "lin-manuel-miranda.png",
    "Alex Lacamoire": "alex-lacamoire.png",
}


def enroll_demo_faces() -> int:
    """Enroll each demo student's portrait (once); returns how many students have a usable face."""
    for name, filename in DEMO_PHOTOS.items():
        student = Student.objects.filter(full_name=name).first()
        if student is None:
            continue
        add_face_photo(student, (DEMO_FACES_DIR / filename).read_bytes(), filename)  # same bytes: no second copy
    return (
        FacePhoto.objects.filter(student__full_name__in=DEMO_PHOTOS, status=FacePhoto.Status.READY)
        .values("student")
        .distinct()
        .count()
    )
