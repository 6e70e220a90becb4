"""Secretaries see alerts in the admin with their filters, snapshot and deliveries, and acknowledge them; the
snapshot is served to staff who may see alerts only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from monitoring.events import AlertEvent
from monitoring.models import Alert, AlertStatus
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory, TeacherFactory
from tests.monitoring.fakes import use_handlers
from tests.support.images import fixture_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary() -> Client:
    client = Client()
    client.force_login(SecretaryFactory())
    return client


@pytest.fixture
def unknown_face(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Alert:
    use_handlers(monkeypatch, settings, "recording")
    camera = CameraFactory(name="Porta da sala")
    jpeg = fixture_path("obama.jpg").read_bytes()
    alert = publish(
        AlertEvent("unknown_face", camera_id=camera.pk, classroom_id=camera.classroom_id, snapshot_jpeg=jpeg)
    )
    assert alert is not None
    return alert


def test_the_list_filters_by_status_type_severity_and_camera(secretary: Client, unknown_face: Alert) -> None:
    publish(AlertEvent("disk_low", source_key="disk:a:/"))
    url = reverse("admin:monitoring_alert_changelist")

    everything = secretary.get(url)
    faces = secretary.get(url, {"type": "unknown_face", "status": "open", "camera__id__exact": unknown_face.camera_id})
    critical = secretary.get(url, {"severity": "critical"})

    assert everything.status_code == 200
    assert everything.context["cl"].result_count == 2
    assert [alert.pk for alert in faces.context["cl"].result_list] == [unknown_face.pk]
    assert [alert.type for alert in critical.context["cl"].result_list] == ["disk_low"]


def test_the_alert_page_shows_the_snapshot_and_the_deliveries(secretary: Client, unknown_face: Alert) -> None:
    page = secretary.get(reverse("admin:monitoring_alert_change", args=[unknown_face.pk])).content.decode()
    snapshot = secretary.get(reverse("monitoring:alert-snapshot", args=[unknown_face.pk]))

    assert reverse("monitoring:alert-snapshot", args=[unknown_face.pk]) in page
    assert "recording" in page  # the delivery, inline
    assert snapshot.status_code == 200 and snapshot["Content-Type"] == "image/jpeg"
    assert b"".join(snapshot.streaming_content) == fixture_path("obama.jpg").read_bytes()  # type: ignore[attr-defined]


def test_acknowledging_records_who_and_when(secretary: Client, unknown_face: Alert) -> None:
    response = secretary.post(
        reverse("admin:monitoring_alert_changelist"),
        {"action": "acknowledge_alerts", "_selected_action": [unknown_face.pk]},
        follow=True,
    )

    assert "1 alerta marcado como visto." in response.content.decode()  # pt-BR, the default language
    unknown_face.refresh_from_db()
    assert unknown_face.status == AlertStatus.ACKNOWLEDGED and unknown_face.acknowledged_at is not None
    assert unknown_face.acknowledged_by is not None and unknown_face.acknowledged_by.groups.filter(name="Secretaries")


def test_the_snapshot_is_refused_to_teachers_and_strangers(unknown_face: Alert) -> None:
    url = reverse("monitoring:alert-snapshot", args=[unknown_face.pk])
    teacher = Client()
    teacher.force_login(TeacherFactory())

    assert Client().get(url).status_code == 302  # to the login page
    assert teacher.get(url).status_code == 302  # not staff
