from __future__ import annotations

import pytest

from monitoring.models import SerialDevice
from monitoring.monitors import serial as serial_monitor
from monitoring.monitors.serial import SerialMonitor
from tests.markers import committing_db
from tests.monitoring.fake_board import FakeBoard
from tests.monitoring.monitor_support import reader_of
from tests.support.waiting import wait_until

pytestmark = committing_db


@pytest.fixture(autouse=True)
def _short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serial_monitor, "BACKOFF_MAX_S", 0.5)  # the backoff's cap, short for the test


def test_an_unplugged_board_is_read_again_once_plugged_back(board: FakeBoard) -> None:
    device = SerialDevice.objects.create(name="porta", port=str(board.path))
    monitor = SerialMonitor()
    try:
        monitor.sync()
        reader = reader_of(monitor, device.pk)
        wait_until(lambda: reader.is_open, 5, "the port was not opened")
        board.heartbeat(uptime=100)
        wait_until(lambda: reader.uptime_s == 100, 5, "no heartbeat seen")

        board.unplug()
        wait_until(lambda: not reader.is_open, 5, "the vanished port was not noticed")
        row = wait_until(
            lambda: SerialDevice.objects.filter(pk=device.pk).exclude(last_error="").first(), 5, "no error recorded"
        )
        assert "SerialException" in row.last_error

        board.plug()  # a new terminal at the same path, as a replugged /dev/ttyUSB0
        wait_until(lambda: reader.is_open, 5, "the port was not reopened")
        assert reader.opens == 2
        board.heartbeat(uptime=3)  # the board rebooted
        row = wait_until(
            lambda: SerialDevice.objects.filter(pk=device.pk, uptime_s=3).first(), 5, "no heartbeat after the replug"
        )
        assert (row.state, row.last_error) == (SerialDevice.State.OK, "")
    finally:
        monitor.stop()
