"""While an alert is unresolved, a repeat of its type and source grows its count and last-seen, nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from monitoring.events import AlertEvent
from monitoring.models import Alert, AlertDelivery, AlertStatus
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.fakes import use_handlers
from tests.support.concurrency import run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_handlers(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    use_handlers(monkeypatch, settings, "recording", "raising")


def test_repeats_make_one_row_with_a_count_and_one_delivery_per_handler() -> None:
    camera = CameraFactory()
    first = timezone.now() - dt.timedelta(minutes=5)

    alert = publish(AlertEvent("camera_offline", camera_id=camera.pk, time=first))
    publish(AlertEvent("camera_offline", camera_id=camera.pk, time=first + dt.timedelta(minutes=1)))
    publish(AlertEvent("camera_offline", camera_id=camera.pk, time=first + dt.timedelta(minutes=2)))

    assert alert is not None
    row = Alert.objects.get()
    assert (row.pk, row.count, row.status, row.severity) == (alert.pk, 3, AlertStatus.OPEN, "critical")
    assert (row.first_seen, row.last_seen) == (first, first + dt.timedelta(minutes=2))
    assert row.source_key == f"camera:{camera.pk}"
    assert sorted(AlertDelivery.objects.values_list("handler", "event")) == [
        ("raising", "raised"),
        ("recording", "raised"),
    ]


def test_an_acknowledged_alert_still_absorbs_repeats() -> None:
    alert = publish(AlertEvent("disk_low", source_key="disk:host1:/var"))
    assert alert is not None
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.ACKNOWLEDGED)

    publish(AlertEvent("disk_low", source_key="disk:host1:/var"))

    assert list(Alert.objects.values_list("status", "count")) == [(AlertStatus.ACKNOWLEDGED, 2)]


def test_other_sources_and_other_types_are_alerts_of_their_own() -> None:
    first, second = CameraFactory(), CameraFactory()

    publish(AlertEvent("camera_offline", camera_id=first.pk))
    publish(AlertEvent("camera_offline", camera_id=second.pk))
    publish(AlertEvent("unknown_face", camera_id=first.pk))

    assert Alert.objects.count() == 3


def test_after_its_resolution_the_same_problem_opens_a_new_alert() -> None:
    camera = CameraFactory()
    old = publish(AlertEvent("camera_offline", camera_id=camera.pk))
    publish(AlertEvent("camera_online", camera_id=camera.pk))

    new = publish(AlertEvent("camera_offline", camera_id=camera.pk))

    assert old is not None and new is not None and new.pk != old.pk
    assert Alert.objects.get(pk=old.pk).status == AlertStatus.RESOLVED
    assert Alert.objects.get(pk=new.pk).status == AlertStatus.OPEN


def test_a_type_that_is_off_records_nothing(settings: Any) -> None:
    assert publish(AlertEvent("student_recognised", source_key="presence:1")) is None  # off by default
    settings.ALERT_TYPES_OFF = ["unknown_face"]
    assert publish(AlertEvent("unknown_face", camera_id=CameraFactory().pk)) is None
    settings.ALERT_TYPES_ON = ["student_recognised"]
    assert publish(AlertEvent("student_recognised", source_key="presence:1")) is not None

    assert list(Alert.objects.values_list("type", flat=True)) == ["student_recognised"]


def test_an_unknown_type_is_refused_loudly() -> None:
    with pytest.raises(ValueError, match="unknown alert type 'camera_on_fire'"):
        publish(AlertEvent("camera_on_fire"))


@pytest.mark.django_db(transaction=True)
def test_the_same_alert_raised_by_many_processes_at_once_is_one_row(postgres: None) -> None:
    camera = CameraFactory()

    results, errors = run_at_once(lambda: publish(AlertEvent("camera_offline", camera_id=camera.pk)), times=8)

    assert errors == []
    assert len({alert.pk for alert in results if alert is not None}) == 1
    assert list(Alert.objects.values_list("count", flat=True)) == [8]
    assert AlertDelivery.objects.filter(event="raised").count() == 2  # one per handler, not one per process
