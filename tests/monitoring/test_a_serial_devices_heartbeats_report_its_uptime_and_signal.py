from __future__ import annotations

from monitoring.models import Alert, SerialDevice
from monitoring.monitors.serial import SerialMonitor
from tests.markers import committing_db
from tests.monitoring.fake_board import FakeBoard
from tests.monitoring.monitor_support import reader_of
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_heartbeats_make_the_device_answering_with_its_uptime_and_rssi(board: FakeBoard) -> None:
    device = SerialDevice.objects.create(name="porta", port=str(board.path), baud_rate=115200)
    monitor = SerialMonitor()
    try:
        monitor.sync()
        reader = reader_of(monitor, device.pk)
        wait_until(lambda: reader.is_open, 5, "the port was not opened")
        board.send("booting, Wi-Fi connected")
        board.heartbeat(uptime=42, rssi=-67, fw="1.4.2")

        def answering() -> SerialDevice | None:
            row = SerialDevice.objects.get(pk=device.pk)
            return row if row.state == SerialDevice.State.OK else None

        row = wait_until(answering, 5, "the device never became answering")
        assert (row.uptime_s, row.rssi_dbm, row.last_line, row.last_error) == (42, -67, "booting, Wi-Fi connected", "")
        assert row.last_heartbeat_at is not None
        assert monitor.tick()["devices"][str(device.pk)]["fields"]["fw"] == "1.4.2"
        assert not Alert.objects.exists()
    finally:
        monitor.stop()
