"""A burst of alerts is one batch for the MQTT handler: every publish first, then one wait for the broker's
acknowledgements; each alert arrives once, and every delivery is recorded delivered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from monitoring.events import AlertEvent
from monitoring.handlers.mqtt import Topics
from monitoring.models import AlertDelivery
from monitoring.services.delivery import deliver_batch
from monitoring.services.publish import publish
from tests.monitoring.mqtt_support import Watcher, alert_topics

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(settings: Any, mqtt_url: str) -> Iterator[Topics]:
    with alert_topics(settings, mqtt_url) as topics:
        yield topics


def test_forty_alerts_are_sent_and_recorded_in_one_batch(topics: Topics, mqtt_url: str) -> None:
    with Watcher(mqtt_url, topics.alerts) as watcher:
        alerts = [publish(AlertEvent("disk_low", source_key=f"disk:h:/{index}")) for index in range(40)]
        ids = list(AlertDelivery.objects.filter(handler="mqtt").values_list("pk", flat=True))

        outcomes = deliver_batch("mqtt", ids)

        watcher.wait_for(lambda: len(watcher.on(topics.alerts)) >= 40, 10, "the 40 alerts")
    assert outcomes == dict.fromkeys(ids, "delivered")
    received = [json.loads(message.payload)["id"] for message in watcher.on(topics.alerts)]
    assert sorted(received) == sorted(str(alert.uuid) for alert in alerts if alert is not None)
    assert set(AlertDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
