from __future__ import annotations

from monitoring.monitors.serial import Heartbeat, parse_line


def test_heartbeat_lines_and_log_lines() -> None:
    assert parse_line("HB uptime=3605 rssi=-61\r") == Heartbeat(3605, -61, {"uptime": "3605", "rssi": "-61"})
    beat = parse_line("hb uptime=12.7 rssi=weak fw=1.4.2 heap=183204")
    assert beat is not None
    assert (beat.uptime_s, beat.rssi_dbm) == (12, None)  # a value that is no number is dropped, the beat counts
    assert beat.fields == {"uptime": "12.7", "rssi": "weak", "fw": "1.4.2", "heap": "183204"}
    assert parse_line("HB") == Heartbeat()
    assert parse_line("HBX uptime=1") is None
    assert parse_line("Wi-Fi connected, IP 192.168.0.40") is None
    assert parse_line("") is None
