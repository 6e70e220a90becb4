"""Every live event of the cameras app goes out through here (Channels groups): the monitor's pipeline messages.

A pipeline message goes to two groups: the one every monitor socket joins and the camera's own. The monitor
sockets themselves belong to the monitoring app (which imports these names); the cameras app only sends.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

#: Every camera's pipeline messages (and, from the monitoring app, every alert).
MONITOR_GROUP = "monitor.all"
#: The Channels event type a monitor socket relays as it is (``monitor_message`` on the consumer).
MONITOR_EVENT = "monitor.message"


def camera_monitor_group(camera_id: int) -> str:
    """One camera's pipeline messages (and its alerts)."""
    return f"monitor.camera.{camera_id}"


async def send_pipeline_messages(camera_id: int, messages: list[dict[str, Any]]) -> None:
    """Send contract messages (each ``message["type"]`` is its name) to the camera's monitors. The processor's
    monitor feed awaits it on its own sender thread's event loop, never in the camera loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    for message in messages:
        event = {"type": MONITOR_EVENT, "message": message}
        await layer.group_send(MONITOR_GROUP, event)
        await layer.group_send(camera_monitor_group(camera_id), event)


def send_pipeline_message(camera_id: int, message: dict[str, Any]) -> None:
    """The same, for one message from synchronous code."""
    async_to_sync(send_pipeline_messages)(camera_id, [message])
