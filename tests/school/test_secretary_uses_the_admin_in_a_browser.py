from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, ClassroomFactory, EnrollmentFactory, SecretaryFactory
from tests.markers import committing_db


@pytest.mark.browser
@committing_db
def test_a_secretary_logs_in_and_finds_a_student_of_the_classroom(live_server: Any, page: Any) -> None:
    secretary = SecretaryFactory(username="secretaria")
    enrollment = EnrollmentFactory(classroom=ClassroomFactory(code="3AT.I"), student__full_name="Lin-Manuel Miranda")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Estudantes").first.click()
    page.fill("#searchbar", enrollment.student.registration)
    page.press("#searchbar", "Enter")

    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Lin-Manuel Miranda")
    expect(results.first).to_contain_text("3AT.I")
