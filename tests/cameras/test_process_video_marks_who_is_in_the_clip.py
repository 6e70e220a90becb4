from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from attendance.models import AttendanceLog, Presence, PresenceSource
from tests.cameras.conftest import CLIP, CLIP_STUDENT, OTHERS, School, enroll
from tests.markers import committing_db

pytestmark = committing_db


def test_the_clip_marks_lin_manuel_miranda_and_nobody_else(school: School) -> None:
    for name, photo in OTHERS:
        enroll(school.classroom, name, photo)
    start = timezone.localtime().replace(microsecond=0)
    out = StringIO()

    call_command("process_video", str(CLIP), classroom=school.classroom.code, at=start.isoformat(), stdout=out)

    presences = list(Presence.objects.select_related("student"))
    assert [presence.student.full_name for presence in presences] == [CLIP_STUDENT[0]]
    presence = presences[0]
    # Dated by the clip's own time (it is 9 s long), and recorded with no camera: an "api" presence.
    assert presence.lesson_id == school.lesson.pk and presence.source == PresenceSource.API
    assert presence.first_seen is not None and start <= presence.first_seen <= start + dt.timedelta(seconds=10)
    log = AttendanceLog.objects.get(pk=presence.evidence_id)
    assert log.camera is None and log.distance is not None and log.distance <= 0.5
    report = out.getvalue()
    assert CLIP_STUDENT[0] in report and f"{log.distance:.3f}" in report
    assert all(name not in report for name, _photo in OTHERS)
