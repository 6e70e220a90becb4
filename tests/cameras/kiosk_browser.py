"""Debian's Chromium with a fake webcam, for the kiosk's browser tests: the camera's picture is a generated video
file (tests/support/fake_webcam.py) that Chromium plays in a loop, and the permission prompt is answered yes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM
from tests.services import in_ci


@contextmanager
def playwright_driver() -> Iterator[Any]:
    """Playwright's sync API, or a skip without Chromium (a failure under CI=true), as tests/conftest.py's browser."""
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail("CI=true: browser tests need /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # As in tests/conftest.py: the test's synchronous ORM calls run beside Playwright's event loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright


@contextmanager
def chromium_with_webcam(playwright: Any, video: Path, *, prompts: bool = False) -> Iterator[Any]:
    """Chromium whose only camera plays `video` (Y4M). Every page may use it without a prompt; with `prompts`,
    only where the context was granted the camera permission (others are refused, as by a user saying no)."""
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    if not prompts:
        args.append("--use-fake-ui-for-media-stream")  # the permission prompt always answers yes
    args += ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    try:
        yield browser
    finally:
        browser.close()


@contextmanager
def camera_context(browser: Any) -> Iterator[Any]:
    """A browser context as the shared `page` fixture's (pt-BR, UTC), with the camera permission granted."""
    context = browser.new_context(locale="pt-BR", timezone_id="UTC", permissions=["camera"])
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()
