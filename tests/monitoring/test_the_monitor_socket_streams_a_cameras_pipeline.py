"""The monitor sockets carry the contract (README, "The monitor page"): a camera processor on the fake ESP32-CAM
publishes the four pipeline message types with every field, over the real Redis channel layer, and never more
frame updates than MONITOR_MAX_RATE allows; a page that connects late gets a complete snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from school.asgi import application
from tests.cameras.conftest import ProcessorThread, fake_camera, processor_thread, quick_processor
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db
__all__ = ["fake_camera", "processor_thread", "quick_processor"]  # the camera tests' fixtures, used here

STATUS_FIELDS = {"type", "pipeline_id", "status", "detailed_status", "error_message", "last_frame_time", "camera"}
STATS_FIELDS = {"frames_read", "frames_analysed", "frames_skipped", "encodings", "errors", "uptime_s"}
FRAME_FIELDS = {"frame_id", "timestamp", "detections_count", "processing_time", "fps", "node_results"}
ANALYTICS_FIELDS = {
    "node_id",
    "node_type",
    "people_count",
    "trend",
    "new_crossings",
    "total_crossings",
    "new_intrusions",
    "active_zones",
    "results",
}
ANALYTICS = {
    "line": {"a": [0.5, 0.0], "b": [0.5, 1.0], "in_side": "left"},
    "zones": [
        {"id": "stage", "points": [[0, 0], [1, 0], [1, 1], [0, 1]], "schedule": "always", "concerns": "everyone"}
    ],
}


@pytest.fixture
def redis_everywhere(settings: Any, redis_url: str) -> str:
    """Processors, live state and sockets share Redis, as a worker and a web server do in production."""
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    settings.MONITOR_MAX_RATE = 2.0
    return redis_url


async def collect(
    communicator: WebsocketCommunicator, seconds: float, until: Callable[[list[dict[str, Any]]], bool] | None = None
) -> list[tuple[float, dict[str, Any]]]:
    """Every message received in the next `seconds` (or until `until` holds), with its arrival time. (A timed-out
    receive would cancel the consumer, so it waits with receive_nothing, which does not.)"""
    received: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await communicator.receive_nothing(timeout=0.05, interval=0.005):
            continue
        received.append((time.monotonic(), await communicator.receive_json_from()))
        if until is not None and until([m for _, m in received]):
            break
    return received


async def snapshot(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    messages = []
    while (message := await communicator.receive_json_from(timeout=5))["type"] != "snapshot_done":
        messages.append(message)
    return messages


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] == kind]


async def test_a_running_camera_streams_status_frames_analytics_and_errors_within_the_rate(
    redis_everywhere: str,
    fake_camera: MjpegServer,
    quick_processor: None,
    processor_thread: Callable[[int], ProcessorThread],
) -> None:
    camera = await database_sync_to_async(CameraFactory)(stream_url=fake_camera.url, analytics=ANALYTICS)
    other = await database_sync_to_async(CameraFactory)()
    headers = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    everything = WebsocketCommunicator(application, "/ws/monitor/", headers=headers)
    one = WebsocketCommunicator(application, f"/ws/monitor/cameras/{camera.pk}/", headers=headers)
    assert (await everything.connect())[0] and (await one.connect())[0]
    first = await snapshot(everything)
    idle = {message["pipeline_id"]: message for message in of_type(first, "pipeline_status_update")}
    assert set(idle) == {camera.pk, other.pk}  # every camera has a card, running or not
    assert idle[camera.pk]["status"] == Camera.State.IDLE and set(idle[camera.pk]) == STATUS_FIELDS
    assert [m["pipeline_id"] for m in of_type(await snapshot(one), "pipeline_status_update")] == [camera.pk]

    await database_sync_to_async(processor_thread)(camera.pk)
    received = await collect(everything, 8.0)
    messages = [message for _, message in received]

    statuses = of_type(messages, "pipeline_status_update")
    running = [m for m in statuses if m["status"] == Camera.State.RUNNING]
    assert running, [m["status"] for m in statuses]
    status = running[-1]
    assert set(status) == STATUS_FIELDS and status["pipeline_id"] == camera.pk
    stats = status["detailed_status"]["stats"]
    assert STATS_FIELDS <= set(stats) and stats["frames_read"] > 0 and stats["uptime_s"] > 0
    assert stats["frames_skipped"] == stats["frames_read"] - stats["frames_analysed"]
    assert [(node["node_id"], node["node_type"]) for node in status["detailed_status"]["nodes"]] == [
        ("face_recognition", "face_recognition"),
        ("people_count", "people_count"),
        ("line", "line_crossing"),
        ("zones", "zone_intrusion"),
    ]
    assert all(set(node) == {"node_id", "node_type", "state"} for node in status["detailed_status"]["nodes"])
    assert status["last_frame_time"] and status["error_message"] == ""

    frames = [(at, m) for at, m in received if m["type"] == "pipeline_frame_update"]
    assert len(frames) >= 3
    for _, frame in frames:
        assert set(frame) == {"type", "pipeline_id", "frame_data"} and frame["pipeline_id"] == camera.pk
        assert FRAME_FIELDS <= set(frame["frame_data"])
        assert set(frame["frame_data"]["node_results"]) == {"people_count", "line", "zones"}
        assert frame["frame_data"]["processing_time"] > 0
    frame_ids = [frame["frame_data"]["frame_id"] for _, frame in frames]
    assert frame_ids == sorted(set(frame_ids))  # the latest each time, never an older one after a newer
    span = frames[-1][0] - frames[0][0]
    assert len(frames) - 1 <= span * 2.0 + 1, f"{len(frames)} frame updates in {span:.1f} s at 2/s"

    analytics = of_type(messages, "pipeline_analytics_update")
    by_node = {message["analytics"]["node_id"]: message["analytics"] for message in analytics}
    assert set(by_node) == {"people_count", "line", "zones"}  # each sent at least once: its first result
    for fields in by_node.values():
        assert set(fields) == ANALYTICS_FIELDS
    assert by_node["people_count"]["people_count"] is not None
    assert by_node["line"]["total_crossings"] == {"in": 0, "out": 0} or by_node["line"]["total_crossings"]
    assert by_node["zones"]["active_zones"] == ["stage"]

    # Nothing of the other camera went to this camera's own socket.
    only = [m for _, m in await collect(one, 0.5)]
    assert only and {m["pipeline_id"] for m in only if "pipeline_id" in m} == {camera.pk}

    # A page opened now is complete at once.
    late = WebsocketCommunicator(application, "/ws/monitor/", headers=headers)
    assert (await late.connect())[0]
    catch_up = await snapshot(late)
    mine = [m for m in catch_up if m.get("pipeline_id") == camera.pk]
    assert {m["type"] for m in mine} == {"pipeline_status_update", "pipeline_frame_update", "pipeline_analytics_update"}
    assert of_type(mine, "pipeline_status_update")[0]["status"] == Camera.State.RUNNING
    await late.disconnect()

    # The camera drops off the network: an error update, and the status says so.
    fake_camera.stop()
    after = [
        m
        for _, m in await collect(
            everything,
            20.0,
            until=lambda ms: (
                any(m["type"] == "pipeline_error_update" for m in ms)
                and any(m.get("status") == Camera.State.RECONNECTING for m in ms)
            ),
        )
    ]
    error = of_type(after, "pipeline_error_update")[0]
    assert set(error) == {"type", "pipeline_id", "error_message", "severity"}
    assert error["pipeline_id"] == camera.pk and error["error_message"] and error["severity"] == "warning"
    reconnecting = [m for m in of_type(after, "pipeline_status_update") if m["status"] == Camera.State.RECONNECTING]
    assert reconnecting[0]["error_message"] == error["error_message"]

    await everything.disconnect()
    await one.disconnect()
