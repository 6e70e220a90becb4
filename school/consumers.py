"""What every live page's WebSocket shares: join one Channels group if the user may follow it, send a snapshot."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from school.socket_stats import socket_closed, socket_opened

#: Close code of a refused socket (before accept: the handshake itself fails), as HTTP's 403.
FORBIDDEN = 4403


class LiveGroupConsumer(JsonWebsocketConsumer):
    """Joins the group `join()` names (None refuses the socket), sends `snapshot()` on connect and again when the
    page asks (`{"type": "resync"}`, after a reconnect); subclasses add a handler per event type of their group."""

    group: str | None = None

    def join(self) -> str | None:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError

    def connect(self) -> None:
        group = self.join()
        if group is None:
            self.close(code=FORBIDDEN)
            return
        self.group = group
        async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        socket_opened(type(self).__name__)
        self.accept()
        self.send_json(self.snapshot())

    def disconnect(self, code: int) -> None:
        if self.group:
            socket_closed(type(self).__name__)
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            self.send_json(self.snapshot())
