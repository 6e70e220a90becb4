"""Alerts reach the monitor pages as they happen (raised, repeated, acknowledged, resolved), only after their
transaction commits; a camera's socket hears only that camera's alerts; host samples go to every socket, and a
page that opens later finds the unresolved alerts and the latest host sample in its snapshot."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from monitoring.events import AlertEvent
from monitoring.models import Alert
from monitoring.monitors.host import DiskSample, HostMonitor, HostSample
from monitoring.services.publish import acknowledge, publish
from school.asgi import application
from tests.cameras.factories import CameraFactory
from tests.factories import SecretaryFactory
from tests.markers import committing_db
from tests.support.sockets import session_headers

pytestmark = committing_db


async def connected(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, list[Any]]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    assert (await communicator.connect())[0]
    snapshot = []
    while (message := await communicator.receive_json_from(timeout=5))["type"] != "snapshot_done":
        snapshot.append(message)
    return communicator, snapshot


async def next_alert(communicator: WebsocketCommunicator) -> dict[str, Any]:
    while (message := await communicator.receive_json_from(timeout=5))["type"] != "alert_update":
        pass
    return dict(message["alert"])


async def test_an_alerts_life_is_followed_live_by_every_socket_and_its_cameras() -> None:
    camera, other = await database_sync_to_async(lambda: (CameraFactory(), CameraFactory()))()
    secretary = await database_sync_to_async(SecretaryFactory)()
    headers = await database_sync_to_async(lambda: session_headers(secretary))()
    everything, _ = await connected("/ws/monitor/", headers)
    its_camera, _ = await connected(f"/ws/monitor/cameras/{camera.pk}/", headers)
    other_camera, _ = await connected(f"/ws/monitor/cameras/{other.pk}/", headers)

    alert = await database_sync_to_async(publish)(
        AlertEvent("camera_offline", camera_id=camera.pk, classroom_id=camera.classroom_id)
    )
    assert alert is not None
    raised = await next_alert(everything)
    assert raised == await next_alert(its_camera)
    assert raised["id"] == alert.pk and raised["status"] == "open" and raised["alert_type"] == "camera_offline"
    assert raised["camera_id"] == camera.pk and raised["classroom"] == camera.classroom.code
    assert raised["title"] and raised["severity"] == "critical" and raised["occurrences"] == 1
    assert await other_camera.receive_nothing(timeout=0.3)

    await database_sync_to_async(publish)(AlertEvent("camera_offline", camera_id=camera.pk))
    assert (await next_alert(everything))["occurrences"] == 2

    await database_sync_to_async(acknowledge)(alert, secretary)
    acknowledged = await next_alert(everything)
    assert acknowledged["status"] == "acknowledged" and acknowledged["acknowledged_by"] == secretary.username

    late, snapshot = await connected("/ws/monitor/", headers)
    assert [m["alert"]["id"] for m in snapshot if m["type"] == "alert_update"] == [alert.pk]
    await late.disconnect()

    await database_sync_to_async(publish)(AlertEvent("camera_online", camera_id=camera.pk))
    assert (await next_alert(everything))["status"] == "resolved"
    for communicator in (everything, its_camera, other_camera):
        await communicator.disconnect()


async def test_a_rolled_back_alert_is_never_shown() -> None:
    headers = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    everything, _ = await connected("/ws/monitor/", headers)

    def publish_then_roll_back() -> None:
        with transaction.atomic():
            publish(AlertEvent("disk_low", source_key="disk:/srv"))
            transaction.set_rollback(True)

    await database_sync_to_async(publish_then_roll_back)()

    assert await everything.receive_nothing(timeout=0.5)
    assert not await database_sync_to_async(Alert.objects.exists)()
    await everything.disconnect()


async def test_host_samples_go_to_every_socket_and_the_latest_is_in_the_snapshot() -> None:
    camera = await database_sync_to_async(CameraFactory)()
    headers = await database_sync_to_async(lambda: session_headers(SecretaryFactory()))()
    its_camera, _ = await connected(f"/ws/monitor/cameras/{camera.pk}/", headers)
    sample = HostSample(
        cpu_percent=37.5,
        memory_percent=61.0,
        load_1m=1.0,
        cpu_count=2,
        disks=(DiskSample("/srv", 20.0, 2 * 10**9, 10**10, ("media",)), DiskSample("/var", 50.0, 10**9, 2 * 10**9)),
    )

    await database_sync_to_async(HostMonitor(reader=lambda: sample).tick)()

    message = await its_camera.receive_json_from(timeout=5)
    assert message["type"] == "host_metrics_update"
    metrics = message["metrics"]
    assert (metrics["cpu_percent"], metrics["memory_percent"], metrics["load_per_cpu"]) == (37.5, 61.0, 0.5)
    assert metrics["disk_percent"] == 80.0  # the fullest disk
    everything, snapshot = await connected("/ws/monitor/", headers)
    assert [m["metrics"] for m in snapshot if m["type"] == "host_metrics_update"] == [metrics]
    await its_camera.disconnect()
    await everything.disconnect()
