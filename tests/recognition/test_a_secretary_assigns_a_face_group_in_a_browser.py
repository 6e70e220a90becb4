"""The "Faces to review" page in Chromium: a secretary types a student's name, picks the student, asks to enroll the
group's best two crops and assigns it; the group leaves the page and the student's face photo count grows, with no
Content Security Policy violation on the console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from recognition.models import FaceGroup, FacePhoto
from recognition.services.enrollment import add_face_photo
from tests.factories import SecretaryFactory, StudentFactory
from tests.recognition.review_support import make_group
from tests.support.browser import log_in, wait_until
from tests.support.images import fixture_bytes

pytestmark = [pytest.mark.browser]

ABOUT_THE_POLICY = re.compile(r"Content Security Policy|Refused to", re.I)


def test_a_secretary_assigns_a_group_enrolling_two_crops(asgi_live_server: str, page: Any) -> None:
    student = StudentFactory(consenting=True, full_name="Barack Obama")
    StudentFactory(full_name="Joe Biden")
    add_face_photo(student, fixture_bytes("obama.jpg"), "obama.jpg")
    group = make_group((("obama2.jpg", 0.9), ("obama_small.jpg", 0.8), ("obama.jpg", 0.1)))
    stranger = make_group((("biden.jpg", 0.9),))
    SecretaryFactory(username="secretaria")
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_live_server}])

    log_in(page, asgi_live_server, "secretaria", "/review/")
    cards = page.locator(".face-group")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-group-id", str(group.pk))  # largest first
    card = cards.first
    expect(card.locator(".crops img")).to_have_count(3)
    # The crops are served (to staff, logged): each one decodes.
    wait_until(
        page, "[...document.querySelectorAll('.face-group:first-of-type .crops img')].every((i) => i.naturalWidth > 0)"
    )

    card.locator(".student-search").press_sequentially("obam", delay=50)
    option = card.locator(".student-option", has_text="Barack Obama")
    expect(option).to_have_count(1)
    option.click()
    expect(card.locator(".chosen-student")).to_contain_text("1 face photos")
    card.locator(".enroll-count").fill("2")
    card.get_by_role("button", name="This is the student").click()

    done = page.locator("#review-done .decided")
    expect(done).to_have_count(1, timeout=30_000)
    expect(done.locator(".photo-count")).to_have_text("3")
    expect(done).to_contain_text("Barack Obama")
    expect(page.locator(f'.face-group[data-group-id="{group.pk}"]')).to_have_count(0)
    expect(page.locator(f'.face-group[data-group-id="{stranger.pk}"]')).to_have_count(1)

    group.refresh_from_db()
    assert (group.decision, group.student_id) == (FaceGroup.Decision.STUDENT, student.pk)
    assert FacePhoto.objects.filter(student=student, status=FacePhoto.Status.READY).count() == 3
    page.reload()
    expect(page.locator(".face-group")).to_have_count(1)
    assert [line for line in console if ABOUT_THE_POLICY.search(line)] == []
