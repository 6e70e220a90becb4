"""An ESP32 on a USB serial line, played by a pseudo-terminal pair: the monitor opens ``path``, a symlink to the
terminal's slave side, and the test writes the board's lines into the master side.

``unplug()`` closes the terminal and removes the symlink, as pulling the USB cable removes /dev/ttyUSB0;
``plug()`` comes back with a new terminal at the same path.
"""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path


class FakeBoard:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._master: int | None = None
        self._slave: int | None = None
        self.plug()

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        assert not self.plugged, "already plugged"
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo back into the master side, whose output nobody reads
        # The test keeps the slave side open too: the master's writes are kept until the monitor reads them.
        self._master, self._slave = master, slave
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.path.symlink_to(os.ttyname(slave))

    def unplug(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def send(self, line: str) -> None:
        assert self._master is not None, "unplugged"
        os.write(self._master, line.encode() + b"\r\n")  # println() ends lines with CR LF

    def heartbeat(self, uptime: int, rssi: int = -60, **extra: object) -> None:
        fields = "".join(f" {key}={value}" for key, value in extra.items())
        self.send(f"HB uptime={uptime} rssi={rssi}{fields}")
