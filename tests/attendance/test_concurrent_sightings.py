from __future__ import annotations

from django.utils import timezone

from attendance.models import Presence
from attendance.services.sightings import record_sighting
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory
from tests.markers import committing_db
from tests.support.concurrency import run_at_once


@committing_db
def test_cameras_seeing_a_student_at_the_same_instant_make_one_presence(postgres: None) -> None:
    classroom = ClassroomFactory()
    lesson = in_session(classroom)
    student = EnrollmentFactory(classroom=classroom, student__consenting=True).student
    seen_at = timezone.now()

    sightings, errors = run_at_once(lambda: record_sighting(student=student, classroom=classroom, seen_at=seen_at))

    assert errors == []
    assert sorted(sighting.created for sighting in sightings) == [False] * 7 + [True]
    assert Presence.objects.filter(lesson=lesson, student=student).count() == 1
