from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitoring.services import delivery
from monitoring.services.delivery import deliver_one, due_deliveries
from tests.monitoring.fake_board import FakeBoard
from tests.monitoring.frigate_server import FakeFrigate, fake_frigate
from tests.monitoring.mqtt_support import host_port
from tests.support.tcp_proxy import TcpProxy, tcp_proxy


@pytest.fixture(autouse=True)
def _fresh_alert_bus(settings: Any) -> Iterator[None]:
    """Each test builds its handlers from its own settings, and no thread of an earlier test delivers meanwhile."""
    settings.ALERT_RETRY_BASE_S = 0.05
    settings.ALERT_RETRY_MAX_S = 0.5
    delivery.handlers.close()
    delivery.switches.forget()
    yield
    delivery.dispatcher.stop()  # before the tables are emptied under its threads
    delivery.handlers.close()
    delivery.switches.forget()


@pytest.fixture
def deliver_now() -> Callable[[], list[str]]:
    """Attempt every due delivery here, in the test's thread and transaction; returns their statuses."""

    def run() -> list[str]:
        return [deliver_one(delivery_id) for delivery_id, _handler in due_deliveries()]

    return run


@pytest.fixture
def mqtt_proxy(mqtt_url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the MQTT broker, for the handler to go through (the test's own clients connect directly):
    the test can cut it and restore it, or freeze it and thaw it."""
    with tcp_proxy(*host_port(mqtt_url)) as proxy:
        yield proxy


@pytest.fixture
def board(tmp_path: Path) -> Iterator[FakeBoard]:
    """An ESP32 on a serial line: a pseudo-terminal at tmp_path/ttyUSB0 that the test makes speak or go silent."""
    board = FakeBoard(tmp_path / "ttyUSB0")
    yield board
    board.unplug()


@pytest.fixture
def frigate(settings: Any) -> Iterator[FakeFrigate]:
    """A local server answering like Frigate (camera ``sala_1a``), the only alert handler enabled."""
    with fake_frigate(cameras=("sala_1a",)) as server:
        settings.FRIGATE_URL = server.url
        settings.MQTT_URL = settings.AMQP_URL = ""
        yield server
