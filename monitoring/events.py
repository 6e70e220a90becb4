"""The alert bus's plain objects: what happened (AlertEvent) and what a handler sends (AlertMessage).

No Django here: the camera loop, monitors and benchmarks build these without touching the ORM, and a handler
receives a message that is complete (only the MQTT handler reads more: each camera's current state, for its
retained topics).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
#: A delivery announces an alert's first appearance or its resolution.
DeliveryEvent = Literal["raised", "resolved"]


@dataclass(frozen=True, slots=True)
class Detection:
    """Something a camera saw: a class (``face``, ``person``), how sure, where (box normalised to 0..1)."""

    class_id: int
    class_name: str
    confidence: float
    x: float
    y: float
    width: float
    height: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError("confidence must be within 0..1")
        for name in ("x", "y", "width", "height"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be normalised to 0..1, got {value}")

    @classmethod
    def from_pixels(
        cls,
        *,
        top: int,
        right: int,
        bottom: int,
        left: int,
        frame_width: int,
        frame_height: int,
        class_name: str = "face",
        class_id: int = 0,
        confidence: float = 1.0,
        metadata: dict[str, Any] | None = None,
    ) -> Detection:
        """A detection from a pixel box (top, right, bottom, left) in a frame of the given size."""

        def clamp(value: float) -> float:
            return min(1.0, max(0.0, value))

        return cls(
            class_id=class_id,
            class_name=class_name,
            confidence=confidence,
            x=clamp(left / frame_width),
            y=clamp(top / frame_height),
            width=clamp((right - left) / frame_width),
            height=clamp((bottom - top) / frame_height),
            metadata=dict(metadata or {}),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "class_id": self.class_id,
            "class_name": self.class_name,
            "confidence": round(self.confidence, 4),
            "box": {"x": self.x, "y": self.y, "width": self.width, "height": self.height},
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Detection:
        box = data["box"]
        return cls(
            class_id=int(data["class_id"]),
            class_name=str(data["class_name"]),
            confidence=float(data["confidence"]),
            x=float(box["x"]),
            y=float(box["y"]),
            width=float(box["width"]),
            height=float(box["height"]),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """Something worth an alert. ``publish(event)`` records it; repeats of an open alert only count.

    ``source_key`` says *what* the alert is about (a camera, a disk, a track): an open alert of the same type and
    source absorbs repeats. Left empty, it is the camera's (``camera:<id>``), else the type's own.
    ``severity`` None takes the type's default.
    """

    type: str
    severity: Severity | None = None
    camera_id: int | None = None
    classroom_id: int | None = None
    source_key: str = ""
    time: dt.datetime | None = None  # None: now
    detections: tuple[Detection, ...] = ()
    snapshot_jpeg: bytes | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        if self.time is not None and self.time.tzinfo is None:
            raise ValueError("time must be timezone-aware")

    @property
    def key(self) -> str:
        if self.source_key:
            return self.source_key
        if self.camera_id is not None:
            return f"camera:{self.camera_id}"
        return self.type


@dataclass(frozen=True, slots=True)
class CameraRef:
    id: int
    name: str
    slug: str  # stable topic segment: MQTT topics, Home Assistant ids
    frigate_camera: str = ""


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """One delivery's content: an alert as it stands, announced as ``raised`` or ``resolved``.

    ``id`` is the alert's UUID and stays the same in every message about it (a retry, the resolution), so a
    consumer drops repeats by (``id``, ``event``): delivery is at least once.
    """

    id: str
    event: DeliveryEvent
    type: str
    severity: Severity
    status: str
    source_key: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int
    camera: CameraRef | None = None
    classroom: str | None = None  # the classroom's code
    detections: tuple[Detection, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)
    snapshot_jpeg: bytes | None = None
    resolved_at: dt.datetime | None = None
    title: str = ""  # human-readable, in the server's language
    raised_external_id: str = ""  # on a resolution: the id the receiver gave the raised message (a Frigate event)

    def as_dict(self) -> dict[str, Any]:
        """The JSON body every handler sends (the snapshot is left out: its size would burden every consumer)."""
        return {
            "id": self.id,
            "event": self.event,
            "type": self.type,
            "severity": self.severity,
            "status": self.status,
            "title": self.title,
            "source_key": self.source_key,
            "camera": None
            if self.camera is None
            else {"id": self.camera.id, "name": self.camera.name, "slug": self.camera.slug},
            "classroom": self.classroom,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "count": self.count,
            "detections": [detection.as_dict() for detection in self.detections],
            "payload": self.payload,
            "has_snapshot": self.snapshot_jpeg is not None,
        }
