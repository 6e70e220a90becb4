"""The real services the tests use, and whether they are reachable.

Run as `python -m tests.services check` (fails under CI=true when a required service is down) or
`python -m tests.services database-url` (the PostgreSQL URL when PostgreSQL answers, else nothing: SQLite).
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Service:
    name: str
    url: str

    @property
    def reachable(self) -> bool:
        parts = urlsplit(self.url)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
                return True
        except OSError:
            return False


POSTGRES = Service("PostgreSQL", os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
REDIS = Service("Redis", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
RABBITMQ = Service("RabbitMQ", os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"))
MQTT = Service("Mosquitto", os.environ.get("TEST_MQTT_URL", "mqtt://127.0.0.1:1883"))
REQUIRED_IN_CI = (POSTGRES, REDIS, RABBITMQ, MQTT)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "database-url":
        if os.environ.get("DATABASE_URL"):
            print(os.environ["DATABASE_URL"])
        elif POSTGRES.reachable:
            print(POSTGRES.url)
        return 0
    if command == "check":
        down = [service for service in REQUIRED_IN_CI if not service.reachable]
        for service in down:
            print(f"{service.name} is not reachable at {service.url}", file=sys.stderr)
        if down and in_ci():
            print("CI=true: the suite needs these services; failing.", file=sys.stderr)
            return 1
        if down:
            print("Tests that need them will be skipped.", file=sys.stderr)
        return 0
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
