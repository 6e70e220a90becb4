"""Debian's Chromium with a fake webcam, for the kiosk's browser tests: the camera's picture is a generated video
file (tests/support/fake_webcam.py) that Chromium plays in a loop, and the permission prompt is answered yes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, playwright_driver

__all__ = ["camera_context", "chromium_with_webcam", "playwright_driver"]


@contextmanager
def chromium_with_webcam(playwright: Any, video: Path, *, prompts: bool = False) -> Iterator[Any]:
    """Chromium whose only camera plays `video` (Y4M). Every page may use it without a prompt; with `prompts`,
    only where the context was granted the camera permission (others are refused, as by a user saying no)."""
    args = list(CHROMIUM_ARGS)
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
