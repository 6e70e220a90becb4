from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from recognition.models import Gallery
from recognition.services.enrollment import add_face_photo
from tests.factories import SecretaryFactory, StudentFactory
from tests.recognition.gallery.conftest import add_photos
from tests.support.browser import as_a_worker, log_in
from tests.support.images import fixture_bytes

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shared_cache(settings: Any, redis_url: str) -> None:
    """The web server (a forked child) and this process share the matcher's index version through Redis, as the
    processes of a real installation do; asked for before the server, so the child inherits the setting."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}


def test_a_secretary_processes_a_gallery_watching_the_progress_then_filters_by_a_student(
    shared_cache: None, asgi_live_server: str, page: Any
) -> None:
    for name, portrait in (("Barack Obama", "obama.jpg"), ("Joe Biden", "biden.jpg")):
        add_face_photo(StudentFactory(consenting=True, full_name=name), fixture_bytes(portrait), portrait)
    gallery = Gallery.objects.create(title="Festa junina")
    add_photos(gallery, "two_people.jpg", "obama2.jpg")
    SecretaryFactory(username="secretaria")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_live_server}])

    log_in(page, asgi_live_server, "secretaria", f"/galleries/{gallery.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#progress-text")).to_have_text("0 of 2")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Process recognition").click()

    expect(page.locator("#progress-text")).to_have_text("2 of 2", timeout=60_000)
    expect(page.locator("#gallery-progress")).to_have_attribute("data-done", "2")
    expect(page.locator("#progress-failed")).to_be_hidden()
    expect(page.locator("#photo-grid .tile .status-done")).to_have_count(2)  # each tile's badge, live
    expect(page.locator("#photo-grid .tile .status-done").first).to_have_text("Done")
    assert page.evaluate("window.notReloaded") is True

    page.locator("#tab-recognition").click()
    counts = page.locator("#student-counts tbody tr")
    expect(counts).to_have_count(2)
    expect(counts.filter(has_text="Barack Obama").locator(".photo-count")).to_have_text("2")
    expect(counts.filter(has_text="Joe Biden").locator(".photo-count")).to_have_text("1")

    page.get_by_role("link", name="Joe Biden").click()

    expect(page.locator("#photo-grid .tile")).to_have_count(1)
    expect(page.locator("#photo-grid .tile .names")).to_have_text("Barack Obama, Joe Biden")


def test_a_secretary_names_an_unknown_face_on_the_photo_page_and_a_refused_enrollment_says_why(
    shared_cache: None, asgi_live_server: str, page: Any
) -> None:
    from recognition.models import FaceMatch
    from recognition.services.gallery import process_photo

    add_face_photo(StudentFactory(consenting=True, full_name="Barack Obama"), fixture_bytes("obama.jpg"), "obama.jpg")
    biden = StudentFactory(consenting=False, full_name="Joe Biden", registration="B-4602")
    gallery = Gallery.objects.create(title="Festa junina")
    photo = add_photos(gallery, "two_people.jpg")["two_people.jpg"]
    as_a_worker(process_photo, photo=photo)  # Biden is not enrolled: his face stays unknown
    SecretaryFactory(username="secretaria")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_live_server}])

    log_in(page, asgi_live_server, "secretaria", f"/galleries/{gallery.pk}/photos/{photo.pk}/")
    form = page.locator(".assign-form")
    expect(form).to_have_count(1)  # only the unknown face can be assigned
    form.locator("input[name=student]").fill("Joe Biden · B-4602")
    form.locator("input[name=enroll]").check()
    form.get_by_role("button", name="Assign").click()

    expect(form.locator(".error")).to_contain_text("consent")  # no biometric consent: nothing written
    assert not FaceMatch.objects.filter(student=biden).exists()

    form.locator("input[name=enroll]").uncheck()
    form.get_by_role("button", name="Assign").click()

    expect(page.locator(".face-box", has_text="Joe Biden")).to_have_count(1)  # the page reloaded with his name
    match = FaceMatch.objects.get(student=biden)
    assert match.confirmed is True and match.reviewed_by is not None
