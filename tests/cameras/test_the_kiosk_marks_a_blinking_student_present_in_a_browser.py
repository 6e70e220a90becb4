"""The kiosk page in a real browser: Chromium's fake webcam plays a generated video of Lin-Manuel Miranda (blinking
once a second, or a still photo of him), the page sends its frames over /ws/frames/<code>/, and the teacher's live
class page, open beside it, shows him arrive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from attendance.models import AttendanceLog, Presence
from tests.cameras.conftest import CLIP_STUDENT, enroll, lesson_now
from tests.cameras.kiosk_browser import camera_context, chromium_with_webcam, playwright_driver
from tests.factories import ClassroomFactory, TeacherFactory
from tests.support.browser import log_in, wait_until
from tests.support.fake_webcam import blinking_portrait, still_portrait, write_y4m

pytestmark = [pytest.mark.browser]

#: Long enough for recognition (two frames a second apart), the blink, the mark and the live page's event, on a
#: machine busy with other tests.
MARKED_WITHIN_MS = 60_000


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with playwright_driver() as driver:
        yield driver


@pytest.fixture(scope="module")
def blinking_student(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose webcam sees Lin-Manuel Miranda looking at it and blinking once a second."""
    # Eyes shut for 300 ms a second, a real blink's length: a loaded machine's slower replies still catch one.
    frames = blinking_portrait(CLIP_STUDENT[1], closed=3)
    video = write_y4m(frames, tmp_path_factory.mktemp("webcam") / "blinking.y4m")
    with chromium_with_webcam(driver, video) as browser:
        yield browser


@pytest.fixture(scope="module")
def held_up_photo(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose webcam sees a photo of Lin-Manuel Miranda held up to it: the same face, never blinking."""
    video = write_y4m(still_portrait(CLIP_STUDENT[1]), tmp_path_factory.mktemp("webcam") / "photo.y4m")
    with chromium_with_webcam(driver, video) as browser:
        yield browser


@pytest.fixture(scope="module")
def a_browser_that_asks(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose webcam may only be used where the camera permission was granted."""
    video = write_y4m(still_portrait(CLIP_STUDENT[1], seconds=1), tmp_path_factory.mktemp("webcam") / "still.y4m")
    with chromium_with_webcam(driver, video, prompts=True) as browser:
        yield browser


@pytest.fixture
def serve(request: pytest.FixtureRequest, transactional_db: None) -> Callable[[], str]:
    """Start `asgi_live_server` once the test's school is in the database; return its address.

    The server is a fork of this process and inherits its memory: started after the enrollment, it inherits the
    bumped matcher version too (the cache is this process's memory without Redis), so it builds its matcher from
    the database instead of reusing one an earlier test left behind with other students.
    """

    def start() -> str:
        return str(request.getfixturevalue("asgi_live_server"))

    return start


def open_kiosk(context: Any, server: str, code: str) -> Any:
    """Log the class's teacher in (username "professora") and open the kiosk; return its page once it films."""
    kiosk = context.new_page()
    log_in(kiosk, server, "professora", f"/classes/{code}/kiosk/")
    expect(kiosk.locator("#connection")).to_have_attribute("data-state", "connected")
    # The permission is granted already: the camera starts without the button being pressed.
    expect(kiosk.locator("#kiosk")).to_have_attribute("data-camera", "on")
    expect(kiosk.locator("#kiosk-start")).to_be_hidden()
    return kiosk


def counters(kiosk: Any) -> tuple[int, int, int]:
    """Frames sent, replies, and frames sent because a reply took longer than the kiosk's reply timeout."""
    data = kiosk.locator("#kiosk")
    late = data.get_attribute("data-sent-after-timeout") or "0"
    return int(data.get_attribute("data-frames-sent")), int(data.get_attribute("data-replies")), int(late)


def test_a_blinking_student_is_marked_present_and_the_live_page_shows_it(
    serve: Callable[[], str], blinking_student: Any
) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = lesson_now(classroom)
    student = enroll(classroom, *CLIP_STUDENT)
    TeacherFactory(username="professora", classrooms=[classroom])
    server = serve()

    with camera_context(blinking_student) as context:
        kiosk = open_kiosk(context, server, classroom.code)
        live = context.new_page()
        live.goto(f"{server}/classes/{classroom.code}/live/")
        expect(live.locator("#connection")).to_have_attribute("data-state", "connected")
        expect(live.locator("#list-missing")).to_contain_text("Lin-Manuel Miranda")

        # The confirmation shows for a few seconds: watched for first, then the live page.
        expect(kiosk.locator("#kiosk-confirmation")).to_be_visible(timeout=MARKED_WITHIN_MS)
        card = kiosk.locator("#kiosk-marked .kiosk-student")
        expect(card).to_have_count(1)
        expect(card.locator(".kiosk-name")).to_have_text("Lin-Manuel Miranda")
        expect(card).to_have_class("kiosk-student status-present")
        photo = card.locator("img.kiosk-photo")
        expect(photo).to_have_attribute("src", f"/classes/{classroom.code}/kiosk/students/{student.pk}/photo.jpg")
        wait_until(kiosk, "image => image.complete && image.naturalWidth > 0", photo.element_handle())

        expect(live.locator("#list-present")).to_contain_text("Lin-Manuel Miranda")
        expect(live.locator("#count-present")).to_have_text("1")
        expect(kiosk.locator("#kiosk-confirmation")).to_be_hidden()  # gone after its few seconds
        expect(kiosk.locator("#kiosk-no-lesson")).to_be_hidden()
        sent, replies, after_timeout = counters(kiosk)
        assert replies >= 3  # recognised twice, then the blink
        # Never a frame before the previous one's reply, unless that reply was later than the timeout (a cold
        # server loading its models); the server drops such a frame without a reply.
        assert sent - replies - after_timeout in (0, 1), "a frame was sent before the previous one's reply"

    presence = Presence.objects.get(lesson=lesson, student=student)
    assert (presence.status, presence.source) == ("present", "kiosk")


def test_a_photo_held_up_is_asked_to_blink_and_never_marked(serve: Callable[[], str], held_up_photo: Any) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    lesson = lesson_now(classroom)
    enroll(classroom, *CLIP_STUDENT)
    TeacherFactory(username="professora", classrooms=[classroom])
    server = serve()

    with camera_context(held_up_photo) as context:
        kiosk = open_kiosk(context, server, classroom.code)

        expect(kiosk.locator("#kiosk-blink")).to_be_visible(timeout=MARKED_WITHIN_MS)
        expect(kiosk.locator("#kiosk")).to_have_attribute("data-faces", "blink")
        # While it waits for the blink the page sends faster: a dozen frames come in the next few seconds.
        _sent, waiting_since, _late = counters(kiosk)
        wait_until(
            kiosk,
            f"Number(document.getElementById('kiosk').dataset.replies) >= {waiting_since + 12}",
            timeout=MARKED_WITHIN_MS,
        )
        expect(kiosk.locator("#kiosk-blink")).to_be_visible()
        expect(kiosk.locator("#kiosk-marked .kiosk-student")).to_have_count(0)

    assert not Presence.objects.filter(lesson=lesson).exists()


def test_without_a_lesson_the_kiosk_says_nobody_will_be_marked(serve: Callable[[], str], blinking_student: Any) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    enroll(classroom, *CLIP_STUDENT)
    TeacherFactory(username="professora", classrooms=[classroom])
    server = serve()

    with camera_context(blinking_student) as context:
        kiosk = open_kiosk(context, server, classroom.code)

        expect(kiosk.locator("#kiosk-no-lesson")).to_be_visible(timeout=MARKED_WITHIN_MS)
        # He is recognised and blinks (his sighting is logged), but no confirmation comes: there is nothing to mark.
        expect(kiosk.locator("#kiosk")).to_have_attribute("data-faces", "recognised", timeout=MARKED_WITHIN_MS)
        expect(kiosk.locator("#kiosk-marked .kiosk-student")).to_have_count(0)

    assert AttendanceLog.objects.filter(classroom=classroom).exists()
    assert not Presence.objects.exists()


def test_until_the_camera_is_allowed_the_kiosk_waits_for_a_tap(
    serve: Callable[[], str], a_browser_that_asks: Any
) -> None:
    classroom = ClassroomFactory(code="3AT.I")
    TeacherFactory(username="professora", classrooms=[classroom])
    server = serve()
    context = a_browser_that_asks.new_context(locale="pt-BR", timezone_id="UTC")
    try:
        kiosk = context.new_page()
        log_in(kiosk, server, "professora", f"/classes/{classroom.code}/kiosk/")
        expect(kiosk.locator("#connection")).to_have_attribute("data-state", "connected")
        expect(kiosk.locator("#kiosk-start-button")).to_be_visible()
        kiosk.wait_for_timeout(1500)
        assert counters(kiosk) == (0, 0, 0)  # nothing is filmed before the camera is allowed

        kiosk.locator("#kiosk-start-button").click()  # the browser asks; the user says no
        expect(kiosk.locator("#kiosk-camera-error")).to_be_visible()
        expect(kiosk.locator("#kiosk")).to_have_attribute("data-camera", "off")

        context.grant_permissions(["camera"])  # allowed in the browser's settings: it starts by itself
        expect(kiosk.locator("#kiosk")).to_have_attribute("data-camera", "on")
        expect(kiosk.locator("#kiosk-start")).to_be_hidden()
        wait_until(kiosk, "Number(document.getElementById('kiosk').dataset.replies) >= 1")
    finally:
        context.close()
