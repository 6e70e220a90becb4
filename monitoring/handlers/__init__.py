"""Alert handlers: one module per kind, named here by dotted path and imported on first use.

A handler is enabled by its setting (the broker's URL). The database needs no handler: the Alert row *is* the
database delivery, written by ``publish`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    path: str  # "module.Class", built with Class.from_settings()
    setting: str  # enabled when this setting is non-empty

    @property
    def enabled(self) -> bool:
        return bool(getattr(settings, self.setting, ""))


HANDLERS: dict[str, HandlerSpec] = {
    spec.name: spec
    for spec in (
        HandlerSpec("mqtt", "monitoring.handlers.mqtt.MqttHandler", "MQTT_URL"),
        HandlerSpec("amqp", "monitoring.handlers.amqp.AmqpHandler", "AMQP_URL"),
        HandlerSpec("frigate", "monitoring.handlers.frigate.FrigateHandler", "FRIGATE_URL"),
    )
}


def enabled_handler_names() -> list[str]:
    return [name for name, spec in HANDLERS.items() if spec.enabled]
