from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.services import MQTT, POSTGRES, RABBITMQ, REDIS, Service, in_ci
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, playwright_driver

FIXTURES = Path(__file__).parent / "fixtures"


def require(service: Service) -> None:
    """Skip the test when `service` is down; under CI=true that is a failure instead."""
    if service.reachable:
        return
    if in_ci():
        pytest.fail(f"{service.name} is required under CI=true and is not reachable at {service.url}")
    pytest.skip(f"{service.name} is not reachable at {service.url}")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Path) -> None:
    # Uploaded files go to a per-test folder; static files need no collectstatic manifest.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_live_registries() -> Iterator[None]:
    """The embedded mode's in-process live state (the monitor's camera states, the last host sample), the kiosk's
    figures and its frame cache outlive a test; ids are reused once the tables are emptied."""
    yield
    from cameras.services import kiosk_stats, live_state
    from monitoring import live

    live_state._states.clear()
    live._latest_host_metrics = None
    kiosk_stats.KIOSK_STATS.reset()
    if "cameras.services.kiosk" in sys.modules:  # the frame cache (importing the kiosk would load dlib)
        sys.modules["cameras.services.kiosk"]._cache = None


@pytest.fixture(autouse=True)
def _migrated_roles(request: pytest.FixtureRequest) -> None:
    """Give committing tests the role groups and consent terms that the data migrations create.

    A committing (transactional) test empties every table afterwards, groups included. Django's
    serialized_rollback would restore them, but it keeps the data on the connection object, which Playwright's
    event loop swaps for a new one; re-applying the role definitions works whatever the connection.
    """
    marker = request.node.get_closest_marker("django_db")
    committing = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server", "asgi_live_server")
    )
    if not committing:
        return
    from django.apps import apps

    from attendance.roles import ATTENDANCE_PERMISSIONS, DIARY_PERMISSIONS
    from cameras.roles import CAMERAS_PERMISSIONS
    from monitoring.roles import MONITORING_PERMISSIONS
    from recognition.roles import GALLERY_PERMISSIONS, RECOGNITION_PERMISSIONS, REVIEW_PERMISSIONS
    from school.roles import GUARDIAN_PERMISSIONS, PRIVACY_PERMISSIONS, SCHOOL_PERMISSIONS, grant

    request.getfixturevalue("transactional_db")
    grant(apps, "school", SCHOOL_PERMISSIONS)
    grant(apps, "recognition", RECOGNITION_PERMISSIONS)
    grant(apps, "recognition", GALLERY_PERMISSIONS)
    grant(apps, "cameras", CAMERAS_PERMISSIONS)
    grant(apps, "attendance", ATTENDANCE_PERMISSIONS)
    grant(apps, "school", GUARDIAN_PERMISSIONS)
    grant(apps, "attendance", DIARY_PERMISSIONS)
    grant(apps, "monitoring", MONITORING_PERMISSIONS)
    grant(apps, "school", PRIVACY_PERMISSIONS)
    grant(apps, "recognition", REVIEW_PERMISSIONS)
    # The consent terms the migrations publish (version 1 of each kind): consents are granted to them.
    import_module("school.migrations.0007_privacy_roles_and_consent_history").publish_default_terms(apps, None)


@pytest.fixture
def postgres(db: None) -> None:
    """The test runs on PostgreSQL (the database under CI); elsewhere it is skipped."""
    if connection.vendor != "postgresql":
        if in_ci():
            pytest.fail("CI=true: the suite must run on PostgreSQL (DATABASE_URL)")
        pytest.skip("needs PostgreSQL: run the suite with DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url() -> Iterator[str]:
    require(REDIS)
    yield REDIS.url


@pytest.fixture
def mqtt_url() -> str:
    """The machine's Mosquitto (mqtt://127.0.0.1:1883 unless TEST_MQTT_URL says otherwise)."""
    require(MQTT)
    return MQTT.url


@pytest.fixture
def amqp_url() -> str:
    """The machine's RabbitMQ (amqp://guest:guest@127.0.0.1:5672// unless TEST_AMQP_URL says otherwise)."""
    require(RABBITMQ)
    return RABBITMQ.url


@pytest.fixture
def postgres_service() -> None:
    require(POSTGRES)


@pytest.fixture
def fixture_path() -> Path:
    return FIXTURES


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (tests/support/browser.py).

    Module-scoped: Playwright's sync API keeps an event loop running in this thread while it is open, which
    asyncio tests of other modules (WebSocket consumers) cannot share.
    """
    with playwright_driver() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The browser's clock is in UTC on purpose: pages must show times in the school's zone, not the device's.
    context = browser.new_context(locale="pt-BR", timezone_id="UTC")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _fresh_sync_executor() -> None:
    """In the forked server: a new executor for sync code called from async code (consumers' database work).

    The inherited one believes it still has the worker thread that an earlier async test started in the parent,
    but threads do not survive a fork, so every consumer would wait forever.
    """
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


@pytest.fixture
def asgi_live_server(transactional_db: None, settings: Any, redis_url: str) -> Iterator[str]:
    """The project served by daphne (HTTP + WebSockets) in a child process, sharing a Redis channel layer and cache.

    Events this process sends (after a commit) reach the browser's WebSocket through Redis, as they do between a
    worker and the web server in production. The child reads the same test database, so it must be a server
    (PostgreSQL): SQLite's test database lives in this process's memory.
    """
    from functools import partial

    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    if connection.vendor != "postgresql":
        if in_ci():
            pytest.fail("CI=true: live-server tests need PostgreSQL (DATABASE_URL)")
        pytest.skip("the live ASGI server needs PostgreSQL: run the suite with DATABASE_URL=postgres://...")
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    # The cache too: it carries the matcher's index version, so a face enrolled here after the fork reaches the
    # server (an in-process cache would be the child's own copy, frozen at the fork).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    connections.close_all()  # the child must open its own connections, not share this process's sockets
    server = DaphneProcess(
        "localhost", partial(make_application, static_wrapper=ASGIStaticFilesHandler), setup=_fresh_sync_executor
    )
    server.start()
    if not server.ready.wait(timeout=30):
        server.terminate()
        pytest.fail("daphne did not start")
    yield f"http://localhost:{server.port.value}"
    server.terminate()
    server.join(timeout=10)
