"""Turning the other apps' signals into alerts. Receivers only record (publish); delivery runs elsewhere."""

from __future__ import annotations

from typing import Any

from attendance.signals import absence_noticed, presence_marked
from cameras.signals import unknown_face_seen, zone_intrusion_seen
from monitoring.erasure import alert_snapshots
from monitoring.events import AlertEvent, Detection
from monitoring.services.publish import publish
from school.signals import face_data_erasure


def connect() -> None:
    unknown_face_seen.connect(alert_unknown_face, dispatch_uid="monitoring.unknown_face")
    zone_intrusion_seen.connect(alert_zone_intrusion, dispatch_uid="monitoring.zone_intrusion")
    presence_marked.connect(alert_student_recognised, dispatch_uid="monitoring.student_recognised")
    absence_noticed.connect(alert_absence_noticed, dispatch_uid="monitoring.absence_noticed")
    face_data_erasure.connect(alert_snapshots, dispatch_uid="monitoring.erasure_alert_snapshots")


def face_detection(box: tuple[int, int, int, int], frame_size: tuple[int, int], metadata: dict[str, Any]) -> Detection:
    """The face a camera signal describes (a pixel box in a frame of the given size), as a detection."""
    top, right, bottom, left = box
    width, height = frame_size
    return Detection.from_pixels(
        top=top, right=right, bottom=bottom, left=left, frame_width=width, frame_height=height, metadata=metadata
    )


def alert_unknown_face(
    sender: Any,
    *,
    camera: Any,
    lesson: Any,
    track_id: int,
    track_key: str,
    seen_at: Any,
    crop_jpeg: bytes | None,
    box: tuple[int, int, int, int],
    frame_size: tuple[int, int],
    best_distance: float | None = None,
    **kwargs: Any,
) -> None:
    publish(
        AlertEvent(
            type="unknown_face",
            camera_id=camera.pk,
            classroom_id=camera.classroom_id,
            source_key=f"camera:{camera.pk}:track:{track_key}",  # one alert per track
            time=seen_at,
            detections=(face_detection(box, frame_size, {"track_id": track_id, "best_distance": best_distance}),),
            snapshot_jpeg=crop_jpeg,
            payload={"lesson_id": lesson.pk, "track_id": track_id, "best_distance": best_distance},
        )
    )


def alert_zone_intrusion(
    sender: Any,
    *,
    camera: Any,
    zone_id: str,
    track_id: int,
    track_key: str,
    student_id: int | None,
    seen_at: Any,
    crop_jpeg: bytes | None,
    box: tuple[int, int, int, int],
    frame_size: tuple[int, int],
    **kwargs: Any,
) -> None:
    publish(
        AlertEvent(
            type="zone_intrusion",
            camera_id=camera.pk,
            classroom_id=camera.classroom_id,
            source_key=f"camera:{camera.pk}:zone:{zone_id}:track:{track_key}",  # one alert per track and zone
            time=seen_at,
            detections=(
                face_detection(box, frame_size, {"track_id": track_id, "zone_id": zone_id, "student_id": student_id}),
            ),
            snapshot_jpeg=crop_jpeg,
            payload={"zone_id": zone_id, "track_id": track_id, "student_id": student_id},
        )
    )


def alert_student_recognised(
    sender: Any, *, presence: Any, camera: Any = None, distance: Any = None, **kwargs: Any
) -> None:
    publish(
        AlertEvent(
            type="student_recognised",
            camera_id=None if camera is None else camera.pk,
            classroom_id=presence.lesson.classroom_id,
            source_key=f"presence:{presence.pk}",
            time=presence.first_seen,
            payload={
                "student_id": presence.student_id,
                "student": presence.student.full_name,
                "lesson_id": presence.lesson_id,
                "status": presence.status,
                "source": presence.source,
                "distance": distance,
            },
        )
    )


def alert_absence_noticed(sender: Any, *, notice: Any, **kwargs: Any) -> None:
    """A consecutive_absence or low_frequency alert: one per notice (its student, kind and episode)."""
    classroom_ids = notice.details.get("classroom_ids") or [None]
    publish(
        AlertEvent(
            type=notice.kind,
            classroom_id=classroom_ids[0],
            source_key=f"student:{notice.student_id}:{notice.kind}:{notice.key}",
            time=notice.created_at,
            payload={
                "notice_id": notice.pk,
                "student_id": notice.student_id,
                "student": notice.student.full_name,
                "registration": notice.student.registration,
                "key": notice.key,
                **notice.details,
            },
        )
    )
