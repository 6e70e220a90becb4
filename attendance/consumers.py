"""The live class page's WebSocket: a snapshot on connect, then every presence change of the lesson."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from attendance.events import lesson_group
from attendance.services.access import can_follow
from attendance.services.state import attendance_state
from school.models import Lesson

FORBIDDEN = 4403


class LessonConsumer(JsonWebsocketConsumer):
    group: str | None = None

    def connect(self) -> None:
        lesson = (
            Lesson.objects.select_related("classroom").filter(pk=self.scope["url_route"]["kwargs"]["lesson_id"]).first()
        )
        if lesson is None or not can_follow(self.scope.get("user"), lesson.classroom):
            self.close(code=FORBIDDEN)  # before accept: the handshake is refused
            return
        self.lesson = lesson
        self.group = lesson_group(lesson.pk)
        async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
        self.accept()
        self.send_snapshot()

    def disconnect(self, code: int) -> None:
        if self.group:
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            self.send_snapshot()

    def send_snapshot(self) -> None:
        self.send_json({"type": "snapshot", "state": attendance_state(self.lesson)})

    def attendance_present(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "attendance.present", "presence": event["presence"]})
