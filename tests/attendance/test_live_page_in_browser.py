from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attendance.services.sightings import record_sighting
from school.models import Student
from tests.attendance.conftest import in_session
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory, TeacherFactory
from tests.support.browser import as_a_worker, log_in

pytestmark = [pytest.mark.browser]


def test_the_teacher_sees_a_student_move_from_missing_to_present_without_reload(
    asgi_live_server: str, page: Any
) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    student: Student = EnrollmentFactory(
        classroom=classroom, student=StudentFactory(full_name="Lin-Manuel Miranda", consenting=True)
    ).student
    EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Alex Lacamoire"))
    TeacherFactory(username="professora", classrooms=[classroom])

    log_in(page, asgi_live_server, "professora", "/classes/3AT.I/live/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#list-missing")).to_contain_text("Lin-Manuel Miranda")
    expect(page.locator("#count-present")).to_have_text("0")
    page.evaluate("window.notReloaded = true")

    seen_at = timezone.now()
    as_a_worker(record_sighting, student=student, classroom=classroom, seen_at=seen_at)

    expect(page.locator("#list-present")).to_contain_text("Lin-Manuel Miranda")
    expect(page.locator("#list-present")).to_contain_text(f"chegou às {timezone.localtime(seen_at):%H:%M}")
    expect(page.locator("#list-missing")).not_to_contain_text("Lin-Manuel Miranda")
    expect(page.locator("#count-present")).to_have_text("1")
    expect(page.locator("#count-missing")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True


def test_the_teacher_marks_a_student_late_by_hand(asgi_live_server: str, page: Any) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Alex Lacamoire"))
    TeacherFactory(username="professora", classrooms=[classroom])
    log_in(page, asgi_live_server, "professora", "/classes/3AT.I/live/")
    expect(page.locator("#list-missing")).to_contain_text("Alex Lacamoire")

    page.locator("#list-missing .student", has_text="Alex Lacamoire").get_by_role("button", name="Atrasado").click()

    expect(page.locator("#list-late")).to_contain_text("Alex Lacamoire")
    expect(page.locator("#count-late")).to_have_text("1")


def test_another_teacher_is_refused(asgi_live_server: str, page: Any) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    TeacherFactory(username="outro", classrooms=[ClassroomFactory(code="1BT.I")])

    log_in(page, asgi_live_server, "outro", "/classes/3AT.I/live/")

    expect(page.locator("body")).to_contain_text("403")
    expect(page.locator("#live")).to_have_count(0)
