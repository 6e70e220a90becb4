"""The teacher has the live page of a lesson open; a secretary names a face group the door camera saw during the
lesson as a student of the class: the page offers, without a reload, to mark the student present (with the crop the
camera kept), and nothing is marked until the teacher presses the button, which makes the usual manual change. A
dismissed offer stays dismissed, on this page after a reload and on the other pages of the lesson."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attendance.models import Presence, PresenceSource, PresenceStatus
from recognition.models import FaceGroup
from recognition.services.face_groups import assign_group
from school.models import Lesson, Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory
from tests.recognition.review_support import make_group
from tests.support.browser import as_a_worker, log_in, wait_until

pytestmark = [pytest.mark.browser]

LIVE = "/classes/3AT.I/live/"


def school() -> tuple[Lesson, Student, Student]:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = in_session(classroom, started_minutes_ago=30)
    barack = EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Barack Obama")).student
    michelle = EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Michelle Obama")).student
    TeacherFactory(username="professora", classrooms=[classroom])
    return lesson, barack, michelle


def seen_by_the_door(lesson: Lesson, crop: str, minutes_ago: int) -> FaceGroup:
    return make_group(
        ((crop, 0.9),),
        encodings=False,
        where="Câmera da porta",
        lesson=lesson,
        classroom=lesson.classroom,
        seen_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def the_offer(page: Any, name: str) -> Any:
    return page.locator("#list-offers .offer", has_text=name)


def test_the_teacher_marks_the_offered_student_present_from_the_live_page(asgi_live_server: str, page: Any) -> None:
    lesson, barack, _ = school()
    group = seen_by_the_door(lesson, "obama.jpg", minutes_ago=12)
    seen_at = group.faces.get().seen_at
    log_in(page, asgi_live_server, "professora", LIVE)
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#offers")).to_be_hidden()
    page.evaluate("window.notReloaded = true")

    as_a_worker(assign_group, group=group, student=barack, by=SecretaryFactory())

    offer = the_offer(page, "Barack Obama")
    expect(offer).to_contain_text(
        f"Visto por Câmera da porta às {timezone.localtime(seen_at):%H:%M}: marcar Barack Obama como presente?"
    )
    crop = offer.locator("img.crop")
    expect(crop).to_have_attribute("alt", "Barack Obama")
    wait_until(page, "(img) => img.complete && img.naturalWidth > 0", crop.element_handle())
    expect(page.locator("#list-missing")).to_contain_text("Barack Obama")  # offered, not marked
    assert not Presence.objects.filter(student=barack).exists()

    offer.get_by_role("button", name="Marcar presente").click()

    expect(page.locator("#list-present .student", has_text="Barack Obama")).to_contain_text("marcado manualmente")
    expect(page.locator("#list-missing")).not_to_contain_text("Barack Obama")
    expect(page.locator("#list-offers .offer")).to_have_count(0)
    expect(page.locator("#offers")).to_be_hidden()
    presence = Presence.objects.get(lesson=lesson, student=barack)
    assert (presence.status, presence.source, presence.changed_by.username) == (
        PresenceStatus.PRESENT,
        PresenceSource.MANUAL,
        "professora",
    )
    assert page.evaluate("window.notReloaded") is True

    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#list-present")).to_contain_text("Barack Obama")
    expect(page.locator("#offers")).to_be_hidden()


def test_a_dismissed_offer_leaves_the_student_absent_and_stays_dismissed(
    asgi_live_server: str, page: Any, browser: Any
) -> None:
    lesson, barack, michelle = school()
    barack_group = seen_by_the_door(lesson, "obama.jpg", minutes_ago=12)
    michelle_group = seen_by_the_door(lesson, "obama2.jpg", minutes_ago=8)
    secretary = SecretaryFactory()
    log_in(page, asgi_live_server, "professora", LIVE)
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    # Another page of the same lesson (the teacher's tablet), open all along.
    tablet = browser.new_context(locale="pt-BR", timezone_id="UTC").new_page()
    log_in(tablet, asgi_live_server, "professora", LIVE)
    expect(tablet.locator("#connection")).to_have_attribute("data-state", "connected")

    as_a_worker(assign_group, group=barack_group, student=barack, by=secretary)
    as_a_worker(assign_group, group=michelle_group, student=michelle, by=secretary)

    expect(page.locator("#list-offers .offer")).to_have_count(2)
    expect(tablet.locator("#list-offers .offer")).to_have_count(2)
    the_offer(page, "Michelle Obama").get_by_role("button", name="Dispensar").click()

    expect(the_offer(page, "Michelle Obama")).to_have_count(0)
    expect(the_offer(page, "Barack Obama")).to_be_visible()
    expect(the_offer(tablet, "Michelle Obama")).to_have_count(0)  # dismissed for the lesson, not for one page
    expect(page.locator("#list-missing")).to_contain_text("Michelle Obama")
    assert not Presence.objects.filter(student=michelle).exists()

    page.reload()  # or the WebSocket reconnecting: a fresh snapshot
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(the_offer(page, "Barack Obama")).to_be_visible()  # still outstanding after the reload
    expect(the_offer(page, "Michelle Obama")).to_have_count(0)
    expect(page.locator("#list-missing")).to_contain_text("Michelle Obama")
    assert not Presence.objects.filter(student__in=[barack, michelle]).exists()
    tablet.context.close()


def test_a_page_opened_after_the_review_shows_the_outstanding_offer(asgi_live_server: str, page: Any) -> None:
    lesson, barack, _ = school()
    group = seen_by_the_door(lesson, "obama.jpg", minutes_ago=12)
    as_a_worker(assign_group, group=group, student=barack, by=SecretaryFactory())

    log_in(page, asgi_live_server, "professora", LIVE)

    expect(the_offer(page, "Barack Obama")).to_contain_text("marcar Barack Obama como presente?")
    expect(page.locator("#list-missing")).to_contain_text("Barack Obama")
    the_offer(page, "Barack Obama").get_by_role("button", name="Marcar presente").click()
    expect(page.locator("#list-present")).to_contain_text("Barack Obama")
    assert Presence.objects.get(student=barack).source == PresenceSource.MANUAL
