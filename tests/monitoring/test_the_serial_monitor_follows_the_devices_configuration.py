from __future__ import annotations

from pathlib import Path

from monitoring.models import Alert, AlertStatus, SerialDevice
from monitoring.monitors.serial import SerialMonitor
from tests.markers import committing_db
from tests.monitoring.fake_board import FakeBoard
from tests.monitoring.monitor_support import reader_of
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_added_moved_and_disabled_devices_are_picked_up_within_seconds(tmp_path: Path) -> None:
    first, second = FakeBoard(tmp_path / "ttyUSB0"), FakeBoard(tmp_path / "ttyUSB1")
    monitor = SerialMonitor(config_s=0.2)
    monitor.start()
    try:
        device = SerialDevice.objects.create(name="porta", port=str(first.path), heartbeat_timeout_s=1)
        reader = reader_of(monitor, device.pk)
        wait_until(lambda: reader.is_open, 5, "the new device's port was not opened")

        SerialDevice.objects.filter(pk=device.pk).update(port=str(second.path))
        moved = wait_until(
            lambda: (r := monitor.readers.get(device.pk)) is not None and r is not reader and r,
            5,
            "port change ignored",
        )
        assert moved.config.port == str(second.path)
        assert not reader.alive, "the reader of the old port is still running"

        alert = wait_until(lambda: Alert.objects.filter(type="serial_lost").first(), 5, "no serial_lost")
        SerialDevice.objects.filter(pk=device.pk).update(enabled=False)
        wait_until(lambda: device.pk not in monitor.readers, 5, "the disabled device is still read")
        alert = wait_until(
            lambda: Alert.objects.filter(pk=alert.pk, status=AlertStatus.RESOLVED).first(), 5, "alert left open"
        )
        assert alert.payload["reason"] == "disabled"
        assert SerialDevice.objects.get(pk=device.pk).state == SerialDevice.State.UNKNOWN
        assert not moved.alive
    finally:
        monitor.stop()
        first.unplug()
        second.unplug()
