"""The monitor page's WebSockets: every camera (``/ws/monitor/``) or one (``/ws/monitor/cameras/<id>/``).

Staff only. On connect, and when the page asks (``{"type": "resync"}``, after a reconnect), a snapshot made of the
contract's own messages (README, "The monitor page"), closed by ``{"type": "snapshot_done"}``; then every message
of the groups it joined, relayed as it comes. Asynchronous: relaying is the whole job, and a thread per message
would be waste. A slow browser costs only its own socket: the channel layer drops what overflows its channel
(channels_redis logs it), and the camera's sender never waits for anyone.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cameras.events import MONITOR_GROUP, camera_monitor_group
from cameras.models import Camera
from monitoring.live import HOST_GROUP
from monitoring.services.monitor import can_monitor, monitor_snapshot
from school.consumers import FORBIDDEN
from school.layer_loop import remember_consumer_loop
from school.socket_stats import socket_closed, socket_opened

#: Close code for a camera that does not exist (before accept), as HTTP's 404.
NOT_FOUND = 4404


class MonitorConsumer(AsyncJsonWebsocketConsumer):
    camera_id: int | None = None
    groups_joined: list[str]

    async def connect(self) -> None:
        remember_consumer_loop()
        self.groups_joined = []
        if not await database_sync_to_async(can_monitor)(self.scope.get("user")):
            await self.close(code=FORBIDDEN)
            return
        camera_id = self.scope["url_route"]["kwargs"].get("camera_id")
        if camera_id is not None:
            if not await database_sync_to_async(Camera.objects.filter(pk=camera_id).exists)():
                await self.close(code=NOT_FOUND)
                return
            self.camera_id = int(camera_id)
            groups = [camera_monitor_group(self.camera_id), HOST_GROUP]
        else:
            groups = [MONITOR_GROUP, HOST_GROUP]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        socket_opened("monitor")
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.groups_joined:
            socket_closed("monitor")
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            await self.send_snapshot()

    async def send_snapshot(self) -> None:
        for message in await database_sync_to_async(monitor_snapshot)(self.camera_id):
            await self.send_json(message)
        await self.send_json({"type": "snapshot_done"})

    async def monitor_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["message"])
