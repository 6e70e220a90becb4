"""The pages in Chromium under the Content Security Policy: each page's script runs (its socket connects, or it fills
what it fills) and the browser reports no violation of the policy, neither as a `securitypolicyviolation` event nor
on the console. The live class page, the kiosk (its webcam included), the language menu, a gallery and one of its
photos, the monitor, a report, the admin's camera form (the analytics editor) and the API docs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from recognition.models import Gallery, PhotoFace, PhotoJob
from tests.attendance.conftest import in_session
from tests.cameras.factories import CameraFactory
from tests.cameras.kiosk_browser import camera_context, chromium_with_webcam, playwright_driver
from tests.factories import ClassroomFactory, EnrollmentFactory, SecretaryFactory, StudentFactory, TeacherFactory
from tests.recognition.gallery.conftest import add_photos
from tests.support.browser import log_in
from tests.support.fake_webcam import still_portrait, write_y4m

pytestmark = [pytest.mark.browser]

#: Each document records the policy's violations, from before its own scripts run.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""
#: What Chromium writes on the console about the policy (or about a Permissions-Policy it cannot read).
ABOUT_THE_POLICY = re.compile(r"Content Security Policy|Refused to|Permissions-Policy", re.I)


@pytest.fixture(scope="module")
def webcam_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose webcam films a still portrait (the kiosk needs one; the other pages ignore it)."""
    video = write_y4m(still_portrait(seconds=1), tmp_path_factory.mktemp("webcam") / "still.y4m")
    with playwright_driver() as driver, chromium_with_webcam(driver, video) as browser:
        yield browser


@pytest.fixture
def watched(webcam_browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A browser context (pt-BR, the camera allowed) whose pages watch for violations, and the console's messages
    about the policy from every page."""
    with camera_context(webcam_browser) as context:
        console: list[str] = []
        context.add_init_script(WATCH_VIOLATIONS)
        context.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        yield context, console


@pytest.fixture
def serve(request: pytest.FixtureRequest, transactional_db: None) -> Callable[[], str]:
    """Start `asgi_live_server` once the test's school is in the database (a fork: it sees what is there)."""
    return lambda: str(request.getfixturevalue("asgi_live_server"))


def assert_no_violation(page: Any, console: list[str]) -> None:
    assert page.evaluate("window.__violations") == [], page.url
    assert [line for line in console if ABOUT_THE_POLICY.search(line)] == [], page.url


def test_the_teachers_live_page_kiosk_and_language_menu_work(
    serve: Callable[[], str], watched: tuple[Any, list[str]]
) -> None:
    context, console = watched
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Alex Lacamoire"))
    TeacherFactory(username="professora", classrooms=[classroom])
    server = serve()
    page = context.new_page()

    log_in(page, server, "professora", "/classes/3AT.I/live/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")  # its socket: connect-src
    expect(page.locator("#list-missing")).to_contain_text("Alex Lacamoire")  # filled from the socket's snapshot
    assert_no_violation(page, console)

    # The language menu submits itself on a change (once an inline handler).
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    assert_no_violation(page, console)

    page.goto(f"{server}/classes/3AT.I/kiosk/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#kiosk")).to_have_attribute("data-camera", "on")  # the webcam: media-src, camera=(self)
    assert_no_violation(page, console)


def test_the_secretarys_gallery_monitor_report_admin_and_api_docs_work(
    serve: Callable[[], str], watched: tuple[Any, list[str]]
) -> None:
    context, console = watched
    classroom = ClassroomFactory(code="3AT.I")
    in_session(classroom)
    EnrollmentFactory(classroom=classroom, student=StudentFactory(full_name="Alex Lacamoire"))
    camera = CameraFactory(name="Porta", classroom=classroom)
    gallery = Gallery.objects.create(title="Festa junina")
    photo = add_photos(gallery, "obama.jpg")["obama.jpg"]
    PhotoJob.objects.update_or_create(photo=photo, defaults={"status": PhotoJob.Status.DONE})
    width, height = photo.width, photo.height
    PhotoFace.objects.create(
        photo=photo,
        index=0,
        box_left=width // 10,
        box_top=height // 5,
        box_right=width // 10 + width // 4,
        box_bottom=height // 5 + height // 4,
        encoding=b"\0" * 512,
    )
    SecretaryFactory(username="secretaria")
    server = serve()
    page = context.new_page()

    log_in(page, server, "secretaria", f"/galleries/{gallery.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#progress-text")).to_have_text("1 de 1")  # the snapshot, rendered by the script
    # The bar's parts are sized by the script, from data-width (a style attribute would be refused).
    assert page.locator(".progress-done").evaluate("bar => bar.style.width") == "100%"
    assert_no_violation(page, console)

    page.goto(f"{server}/galleries/{gallery.pk}/photos/{photo.pk}/")
    box = page.locator(".face-box").first
    expect(box).to_be_visible()
    # Placed by the script from data-left and -top, percent of the photo: a tenth from the left, a fifth down.
    left, top = box.evaluate("box => [box.style.left, box.style.top]")
    assert left.endswith("%") and top.endswith("%")
    assert float(left[:-1]) == pytest.approx(10, abs=0.1) and float(top[:-1]) == pytest.approx(20, abs=0.1)
    assert_no_violation(page, console)

    page.goto(f"{server}/monitor/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator(f'.camera-card[data-camera-id="{camera.pk}"]')).to_have_count(1)  # drawn by the script
    assert_no_violation(page, console)

    page.goto(f"{server}/reports/classrooms/3AT.I/diary/")
    expect(page.locator("button[data-print]")).to_be_visible()  # shown by the report's script
    assert_no_violation(page, console)

    page.goto(f"{server}/admin/cameras/camera/{camera.pk}/change/")
    page.locator('.analytics-editor [data-action="draw-line"]').click()
    expect(page.locator(".analytics-editor-hint")).not_to_be_empty()  # the analytics editor's script answers
    assert_no_violation(page, console)

    page.goto(f"{server}/admin/cameras/camera/")
    expect(page.locator(".badge").first).to_be_visible()
    assert page.locator(".badge").first.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    assert_no_violation(page, console)

    page.goto(f"{server}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chamada API")  # Swagger UI ran
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # and read the schema
    assert_no_violation(page, console)
