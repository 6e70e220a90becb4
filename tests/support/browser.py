"""Helpers of the browser tests (Playwright driving Debian's Chromium against `asgi_live_server`)."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections

from tests.factories import PASSWORD


def log_in(page: Any, server: str, username: str, path: str) -> None:
    """Log in through the login form (password: the factories' PASSWORD) and land on `path`."""
    page.goto(f"{server}/accounts/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


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
