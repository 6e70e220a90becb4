from __future__ import annotations

from monitoring.models import Alert, AlertStatus, SerialDevice
from monitoring.monitors.serial import SerialMonitor
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.monitoring.fake_board import FakeBoard
from tests.monitoring.monitor_support import reader_of
from tests.support.waiting import wait_until

pytestmark = committing_db


def state_of(device: SerialDevice) -> str:
    return SerialDevice.objects.values_list("state", flat=True).get(pk=device.pk)


def test_silence_raises_serial_lost_and_a_heartbeat_resolves_it(board: FakeBoard) -> None:
    camera = CameraFactory()
    device = SerialDevice.objects.create(name="porta", port=str(board.path), heartbeat_timeout_s=1, camera=camera)
    monitor = SerialMonitor()
    try:
        monitor.sync()
        wait_until(lambda: reader_of(monitor, device.pk).is_open, 5, "the port was not opened")
        board.heartbeat(uptime=10)
        wait_until(lambda: state_of(device) == SerialDevice.State.OK, 5, "no heartbeat seen")
        assert not Alert.objects.exists()

        # The board goes quiet (its loop hangs) although the line stays open.
        alert = wait_until(lambda: Alert.objects.filter(type="serial_lost").first(), 5, "no serial_lost")
        assert (alert.source_key, alert.camera_id, alert.classroom_id) == (
            f"serial:{device.pk}",
            camera.pk,
            camera.classroom_id,
        )
        assert alert.status == AlertStatus.OPEN
        assert state_of(device) == SerialDevice.State.LOST

        board.heartbeat(uptime=15)
        wait_until(lambda: state_of(device) == SerialDevice.State.OK, 5, "the heartbeat was not seen")
        alert.refresh_from_db()
        assert alert.status == AlertStatus.RESOLVED
        assert alert.payload["resolved_by"] == "serial_back"
        assert alert.payload["back"]["uptime_s"] == 15
        assert Alert.objects.count() == 1
    finally:
        monitor.stop()
