"""camera_online resolves the camera's open camera_offline (and serial_back serial_lost...): its resolution is
delivered once per handler, and a recovery with nothing open records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.models import Alert, AlertDelivery, AlertStatus
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.monitoring.fakes import RecordingHandler, use_handlers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recording(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    use_handlers(monkeypatch, settings, "recording")


def test_camera_online_resolves_camera_offline_and_both_are_delivered(deliver_now: Callable[[], list[str]]) -> None:
    camera = CameraFactory()
    publish(AlertEvent("camera_offline", camera_id=camera.pk, classroom_id=camera.classroom_id))
    deliver_now()

    resolved = publish(AlertEvent("camera_online", camera_id=camera.pk))
    deliver_now()

    assert resolved is not None
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at is not None
    assert alert.payload["resolved_by"] == "camera_online"
    messages = [message for message, _ in RecordingHandler.received]
    assert [(m.type, m.event, m.status) for m in messages] == [
        ("camera_offline", "raised", "open"),
        ("camera_offline", "resolved", "resolved"),
    ]
    assert messages[0].id == messages[1].id == str(alert.uuid)  # consumers drop repeats by (id, event)
    assert messages[0].camera is not None and messages[0].camera.id == camera.pk
    assert messages[0].classroom == camera.classroom.code
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.parametrize(
    ("problem", "recovery", "source"),
    [
        ("serial_lost", "serial_back", "serial:3"),
        ("host_overload", "host_recovered", "host:a"),
        ("disk_low", "disk_recovered", "disk:a:/"),
    ],
)
def test_each_recovery_resolves_its_own_problem(problem: str, recovery: str, source: str) -> None:
    publish(AlertEvent(problem, source_key=source))
    publish(AlertEvent(problem, source_key="elsewhere"))

    publish(AlertEvent(recovery, source_key=source))

    assert dict(Alert.objects.values_list("source_key", "status")) == {
        source: AlertStatus.RESOLVED,
        "elsewhere": AlertStatus.OPEN,
    }


def test_a_recovery_with_nothing_open_records_nothing() -> None:
    assert publish(AlertEvent("camera_online", camera_id=CameraFactory().pk)) is None

    assert not Alert.objects.exists() and not AlertDelivery.objects.exists()


def test_repeating_a_recovery_delivers_the_resolution_once(deliver_now: Callable[[], list[str]]) -> None:
    camera = CameraFactory()
    publish(AlertEvent("camera_offline", camera_id=camera.pk))
    publish(AlertEvent("camera_online", camera_id=camera.pk))
    publish(AlertEvent("camera_online", camera_id=camera.pk))
    deliver_now()

    assert [message.event for message, _ in RecordingHandler.received] == ["raised", "resolved"]
