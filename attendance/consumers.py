"""The live class page's WebSocket: a snapshot on connect, then every presence change of the lesson."""

from __future__ import annotations

from typing import Any

from attendance.events import lesson_group
from attendance.services.access import can_follow
from attendance.services.review_offers import lesson_offers
from attendance.services.state import attendance_state
from school.consumers import LiveGroupConsumer
from school.models import Lesson


class LessonConsumer(LiveGroupConsumer):
    lesson: Lesson

    def join(self) -> str | None:
        lesson = (
            Lesson.objects.select_related("classroom").filter(pk=self.scope["url_route"]["kwargs"]["lesson_id"]).first()
        )
        if lesson is None or not can_follow(self.scope.get("user"), lesson.classroom):
            return None
        self.lesson = lesson
        return lesson_group(lesson.pk)

    def snapshot(self) -> dict[str, Any]:
        return {"type": "snapshot", "state": attendance_state(self.lesson), "offers": lesson_offers(self.lesson)}

    def attendance_present(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "attendance.present", "presence": event["presence"]})

    def attendance_offer(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "attendance.offer", "offer": event["offer"]})

    def attendance_offer_dismissed(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "attendance.offer_dismissed", "student_id": event["student_id"]})
