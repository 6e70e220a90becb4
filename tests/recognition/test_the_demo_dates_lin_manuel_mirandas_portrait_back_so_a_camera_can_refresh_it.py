"""The demo dates Lin-Manuel Miranda's portrait older than ENROLLMENT_MAX_AGE_DAYS, once: he is the one the demo
camera sees (the bundled clip), so its confident view of him becomes an enrollment proposal."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from recognition.models import FacePhoto
from recognition.services.freshness import stale_enrollments
from tests.markers import committing_db

pytestmark = committing_db  # the demo photos are encoded once their upload commits


def test_only_lin_manuel_mirandas_portrait_is_old_and_seeding_again_leaves_its_date() -> None:
    call_command("seed_demo", password="demo-senha-2026", stdout=StringIO())
    dated = FacePhoto.objects.get(student__full_name="Lin-Manuel Miranda").created_at

    call_command("seed_demo", password="demo-senha-2026", stdout=StringIO())

    report = stale_enrollments()
    assert [entry.student.full_name for entry in report.stale] == ["Lin-Manuel Miranda"]
    assert report.stale[0].age_days == report.max_age_days + 30
    assert not report.no_usable_photo
    assert FacePhoto.objects.get(student__full_name="Lin-Manuel Miranda").created_at == dated
