"""A new absence notice reaches the alert bus (monitoring listens to attendance's absence_noticed) once the check's
transaction commits, once per notice; a check rolled back alerts nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from attendance.services.absences import check_absences
from monitoring.models import Alert
from tests.attendance.absence_school import DAYS, build
from tests.markers import committing_db


@committing_db
def test_a_streak_is_one_consecutive_absence_alert(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 3
    settings.MIN_ATTENDANCE_PERCENT = 0.0
    school = build(DAYS[:4])

    with transaction.atomic():
        notices = check_absences(today=DAYS[2])
        assert not Alert.objects.exists()  # not before the commit
    check_absences(today=DAYS[3])  # the streak goes on

    alert = Alert.objects.get()
    assert (alert.type, alert.severity, alert.classroom_id) == ("consecutive_absence", "warning", school.classroom.pk)
    assert alert.payload["student_id"] == school.student.pk and alert.payload["notice_id"] == notices[0].pk
    assert alert.payload["first_day"] == DAYS[0].isoformat()


@pytest.mark.django_db
def test_low_frequency_is_an_alert_too(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 99
    build(DAYS[:1])

    with django_capture_on_commit_callbacks(execute=True):
        check_absences(today=DAYS[0])

    assert list(Alert.objects.values_list("type", "severity")) == [("low_frequency", "warning")]


@pytest.mark.django_db
def test_a_check_rolled_back_alerts_nothing(settings: Any) -> None:
    settings.ABSENCE_ALERT_DAYS = 1
    build(DAYS[:1])

    check_absences(today=DAYS[0])  # the test's transaction is rolled back: on_commit never runs

    assert not Alert.objects.exists()
