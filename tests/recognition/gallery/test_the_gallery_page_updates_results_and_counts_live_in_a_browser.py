"""The gallery page follows the processing in place: each finished photo's tile gets its faces and names, the
Recognition tab its count and list, the Photos grid its badges, all from the gallery's socket, without a reload
and without ever asking to refresh the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from recognition.models import Gallery
from recognition.services.enrollment import add_face_photo
from tests.factories import SecretaryFactory, StudentFactory
from tests.recognition.gallery.conftest import add_photos
from tests.support.browser import log_in
from tests.support.images import fixture_bytes

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shared_cache(settings: Any, redis_url: str) -> None:
    """The web server (a forked child) and this process share the matcher's index version through Redis; asked for
    before the server, so the child inherits the setting."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}


def test_processing_a_gallery_fills_the_grid_and_the_recognition_tab_without_a_reload(
    shared_cache: None, asgi_live_server: str, page: Any
) -> None:
    for name, portrait in (("Barack Obama", "obama.jpg"), ("Joe Biden", "biden.jpg")):
        add_face_photo(StudentFactory(consenting=True, full_name=name), fixture_bytes(portrait), portrait)
    gallery = Gallery.objects.create(title="Festa junina")
    photos = add_photos(gallery, "two_people.jpg", "obama2.jpg")
    SecretaryFactory(username="secretaria")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_live_server}])
    log_in(page, asgi_live_server, "secretaria", f"/galleries/{gallery.pk}/")
    results = page.context.new_page()  # a second tab of the same session, on the Recognition tab
    results.goto(f"{asgi_live_server}/galleries/{gallery.pk}/?tab=recognition")
    for each in (page, results):
        expect(each.locator("#connection")).to_have_attribute("data-state", "connected")
        expect(each.locator("#tab-count-recognition")).to_have_text("0")
        each.evaluate("window.notReloaded = true")
    expect(results.locator("#recognition-results")).to_contain_text("No student has been found")

    page.get_by_role("button", name="Process recognition").click()

    expect(page.locator("#progress-text")).to_have_text("2 of 2", timeout=60_000)
    group = page.locator(f'#photo-grid .tile[data-photo-id="{photos["two_people.jpg"].pk}"]')
    alone = page.locator(f'#photo-grid .tile[data-photo-id="{photos["obama2.jpg"].pk}"]')
    expect(group.locator(".face-count")).to_have_text("2 faces")
    expect(group.locator(".names")).to_have_text("Barack Obama, Joe Biden")
    expect(alone.locator(".face-count")).to_have_text("1 face")
    expect(alone.locator(".names")).to_have_text("Barack Obama")
    expect(page.locator("#photo-grid .tile .status-done")).to_have_count(2)
    expect(page.locator("#tab-count-recognition")).to_have_text("2")
    expect(page.locator("#tab-count-photos")).to_have_text("2")

    expect(results.locator("#tab-count-recognition")).to_have_text("2")
    counts = results.locator("#student-counts tbody tr")
    expect(counts).to_have_count(2)
    expect(counts.filter(has_text="Barack Obama").locator(".photo-count")).to_have_text("2")
    expect(counts.filter(has_text="Joe Biden").locator(".photo-count")).to_have_text("1")
    expect(results.locator("#progress-text")).to_have_text("2 of 2")

    for each in (page, results):
        assert each.evaluate("window.notReloaded") is True
        expect(each.get_by_text("refresh the page")).to_have_count(0)
    assert "refresh" not in page.content().lower()

    # The list put in place is the server's own: its links lead to the student's photos.
    results.get_by_role("link", name="Joe Biden").click()
    expect(results.locator("#photo-grid .tile")).to_have_count(1)
    expect(results.locator("#photo-grid .tile .names")).to_have_text("Barack Obama, Joe Biden")
