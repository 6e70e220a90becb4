"""Sending to the channel layer from a thread of one's own, whichever layer is configured.

Senders that must never hold up their caller (a camera's monitor feed, the monitoring app's live sender) run an
event loop in a thread of their own. A Redis layer works from any loop. The in-memory layer (the embedded mode,
and tests) does not: its queues belong to the loop the consumers read them on, and a put from another thread's loop
may never wake the reader. So the consumers remember their loop when a socket connects, and sends to the in-memory
layer are run there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

#: How long a send run on the consumers' loop may take before it is given up.
SEND_TIMEOUT_S = 5.0

_consumer_loop: asyncio.AbstractEventLoop | None = None


def remember_consumer_loop() -> None:
    """Called by a consumer as its socket connects (on the loop every consumer of the process runs on)."""
    global _consumer_loop
    _consumer_loop = asyncio.get_running_loop()


def run_layer_coroutine(coroutine: Coroutine[Any, Any, Any], own_loop: asyncio.AbstractEventLoop) -> Any:
    """Run a coroutine that uses the channel layer, from a thread whose own event loop is ``own_loop``."""
    loop = _consumer_loop
    if (
        isinstance(get_channel_layer(), InMemoryChannelLayer)
        and loop is not None
        and loop is not own_loop
        and loop.is_running()
    ):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(SEND_TIMEOUT_S)
    return own_loop.run_until_complete(coroutine)
