"""In a real browser: the classroom's teacher goes from My classes to the class diary, reads each student's marks
and frequency for the month, the one below the minimum flagged, and downloads the CSV."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.attendance.diary_school import build_school
from tests.markers import committing_db
from tests.support.browser import log_in


@pytest.mark.browser
@committing_db
def test_the_teacher_opens_the_month_diary_from_my_classes_and_downloads_its_csv(live_server: Any, page: Any) -> None:
    school = build_school()
    log_in(page, live_server.url, school.teacher.username, "/classes/")

    page.get_by_role("link", name="Diário de classe").first.click()
    page.get_by_role("link", name="mês anterior").click()  # the hand-computed school is last month's

    bruno = page.locator(f"tr[data-registration='{school.bruno.registration}']")
    expect(bruno).to_contain_text("25,0%")
    expect(bruno).to_have_class("below")
    expect(bruno.locator(".flag-below")).to_have_count(1)
    expect(page.locator(f"tr[data-registration='{school.ana.registration}']")).to_contain_text("75,0%")
    expect(page.locator(f"tr[data-registration='{school.carla.registration}']")).to_contain_text("100,0%")
    expect(page.locator("tbody tr")).to_have_count(3)  # not the other year's student, nor the other classroom's
    with page.expect_download() as download:
        page.get_by_role("link", name="Baixar CSV").click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf") and school.bruno.full_name.encode() in content
