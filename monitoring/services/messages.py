"""From an Alert row to the AlertMessage a handler sends."""

from __future__ import annotations

from django.utils.text import slugify

from monitoring.events import AlertMessage, CameraRef, DeliveryEvent, Detection, Severity
from monitoring.models import Alert


def camera_slug(camera_id: int, name: str) -> str:
    """The camera's topic segment (MQTT, Home Assistant): its name, made unique by its id."""
    return f"{slugify(name) or 'camera'}-{camera_id}"


def camera_ref(camera: object) -> CameraRef:
    camera_id: int = camera.pk  # type: ignore[attr-defined]
    name: str = camera.name  # type: ignore[attr-defined]
    return CameraRef(
        id=camera_id,
        name=name,
        slug=camera_slug(camera_id, name),
        frigate_camera=getattr(camera, "frigate_camera", "") or "",
    )


def build_message(alert: Alert, event: DeliveryEvent, *, raised_external_id: str = "") -> AlertMessage:
    snapshot = None
    if alert.snapshot:
        try:
            with alert.snapshot.open("rb") as file:
                snapshot = file.read()
        except OSError:
            snapshot = None  # the file was purged: the message goes without it
    severity: Severity = alert.severity  # type: ignore[assignment]
    return AlertMessage(
        id=str(alert.uuid),
        event=event,
        type=alert.type,
        severity=severity,
        status=alert.status,
        source_key=alert.source_key,
        first_seen=alert.first_seen,
        last_seen=alert.last_seen,
        count=alert.count,
        camera=None if alert.camera is None else camera_ref(alert.camera),
        classroom=None if alert.classroom is None else alert.classroom.code,
        detections=tuple(Detection.from_dict(item) for item in alert.detections),
        payload=dict(alert.payload),
        snapshot_jpeg=snapshot,
        resolved_at=alert.resolved_at,
        title=str(alert.get_type_display()),
        raised_external_id=raised_external_id,
    )
