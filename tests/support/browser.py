"""Helpers of the browser tests (Playwright driving Debian's Chromium against `asgi_live_server`)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.factories import PASSWORD
from tests.services import in_ci

CHROMIUM = Path("/usr/bin/chromium")
#: How every test launches Chromium (plus, for the kiosk, its fake-camera flags).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def playwright_driver() -> Iterator[Any]:
    """Playwright's sync API for Debian's Chromium (never a browser Playwright downloads itself); a skip without
    Chromium, a failure under CI=true."""
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail("CI=true: browser tests need /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which trips Django's async-safety guard for the
    # ORM calls a test makes around the browser; those calls are synchronous, so the guard can be lifted.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright


def log_in(page: Any, server: str, username: str, path: str) -> None:
    """Log in through the login form (password: the factories' PASSWORD) and land on `path`."""
    page.goto(f"{server}/accounts/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 10_000) -> None:
    """Wait until `expression` (a JavaScript expression or function, as page.evaluate takes) is true in `page`.

    page.wait_for_function cannot poll under the Content Security Policy: it evaluates its predicate with eval,
    which script-src 'self' refuses. page.evaluate is not subject to the page's policy; this polls with it."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(100)


def as_a_worker(function: Any, **kwargs: Any) -> None:
    """Run `function` in its own thread, as a worker process would: Playwright's event loop owns the test's thread,
    where code that sends live events (async_to_sync) cannot run."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            function(**kwargs)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert failures == []
