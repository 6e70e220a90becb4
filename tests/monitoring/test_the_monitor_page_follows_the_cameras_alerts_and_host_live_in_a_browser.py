"""The monitor page in a real browser: it draws a card per camera from the socket's snapshot, then shows what the
cameras, the alerts and the host monitor send (contract messages sent from this process, as a worker would), lets
a secretary acknowledge an alert, fills its sparklines from the history, and rebuilds everything on a reconnect."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cameras.events import send_pipeline_message
from cameras.models import Camera, CameraMinute
from monitoring.events import AlertEvent
from monitoring.live import send_host_metrics
from monitoring.models import Alert, AlertStatus
from monitoring.services.publish import publish
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, SecretaryFactory
from tests.support.browser import as_a_worker, log_in

pytestmark = [pytest.mark.browser]

#: What a field shows before anything is known (an en dash).
NO_VALUE = "\u2013"
#: Keeps every socket the page opens, so a test can cut one (the page must then reconnect by itself).
KEEP_SOCKETS = """
window.__sockets = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) { super(...args); window.__sockets.push(this); }
};
"""


def card(page: Any, camera: Camera, field: str | None = None) -> Any:
    selector = f'.camera-card[data-camera-id="{camera.pk}"]'
    return page.locator(f'{selector} [data-field="{field}"]' if field else selector)


def send(camera: Camera, message: dict[str, Any]) -> None:
    as_a_worker(send_pipeline_message, camera_id=camera.pk, message={**message, "pipeline_id": camera.pk})


def status(camera: Camera, state: str, fps: float | None = None, error: str = "") -> dict[str, Any]:
    return {
        "type": "pipeline_status_update",
        "status": state,
        "detailed_status": {
            "stats": {"frames_read": 1200, "frames_analysed": 400, "errors": 0, "uptime_s": 80.4, "fps": fps},
            "nodes": [{"node_id": "face_recognition", "node_type": "face_recognition", "state": "running"}],
        },
        "error_message": error,
        "last_frame_time": timezone.now().isoformat(),
        "camera": {"id": camera.pk, "name": camera.name, "classroom": camera.classroom.code},
    }


def frame(fps: float, people: int, trend: str | None) -> dict[str, Any]:
    return {
        "type": "pipeline_frame_update",
        "frame_data": {
            "frame_id": 1234,
            "timestamp": timezone.now().isoformat(),
            "detections_count": 2,
            "processing_time": 0.045,
            "fps": fps,
            "known": 1,
            "unknown": 1,
            "processing_p50": 0.043,
            "processing_p95": 0.071,
            "node_results": {
                "people_count": {
                    "node_id": "people_count",
                    "node_type": "people_count",
                    "people_count": people,
                    "trend": trend,
                    "new_crossings": None,
                    "total_crossings": None,
                    "new_intrusions": [],
                    "active_zones": None,
                    "results": {},
                },
            },
        },
    }


def analytics(**fields: Any) -> dict[str, Any]:
    empty = {
        "people_count": None,
        "trend": None,
        "new_crossings": None,
        "total_crossings": None,
        "new_intrusions": [],
        "active_zones": None,
        "results": {},
    }
    return {"type": "pipeline_analytics_update", "analytics": {**empty, **fields}}


def open_monitor(page: Any, server: str) -> None:
    SecretaryFactory(username="secretaria")
    log_in(page, server, "secretaria", "/monitor/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#monitor")).to_have_attribute("data-snapshot", "done")


def test_the_page_shows_what_the_cameras_alerts_and_host_send(asgi_live_server: str, page: Any) -> None:
    door = CameraFactory(name="Porta", classroom=ClassroomFactory(code="3AT.I"))
    lab = CameraFactory(name="Laboratório", classroom=ClassroomFactory(code="1BT.I"), enabled=False)
    now = timezone.now()
    Alert.objects.create(
        type="camera_offline",
        severity="critical",
        camera=lab,
        classroom=lab.classroom,
        source_key=f"camera:{lab.pk}",
        first_seen=now,
        last_seen=now,
    )

    open_monitor(page, asgi_live_server)

    # The snapshot: a card per camera (ordered by classroom), from the rows as no processor runs, and the alert.
    expect(page.locator(".camera-card")).to_have_count(2)
    assert page.locator(".camera-card").evaluate_all("cards => cards.map(c => c.dataset.cameraId)") == [
        str(lab.pk),
        str(door.pk),
    ]
    expect(card(page, door, "name")).to_have_text("Porta")
    expect(card(page, door, "classroom")).to_have_attribute("href", "/monitor/classrooms/3AT.I/")
    expect(card(page, door)).to_have_attribute("data-state", "offline")
    expect(card(page, lab)).to_have_attribute("data-status", "disabled")
    expect(card(page, door, "thumbnail")).to_have_attribute("src", f"/cameras/{door.pk}/live.mjpeg")
    expect(page.locator("#alerts .alert")).to_have_count(1)
    expect(card(page, lab, "alerts")).to_have_text("1")

    # The camera runs: its numbers, in Brazilian Portuguese.
    send(door, status(door, "running", fps=14.8))
    expect(card(page, door)).to_have_attribute("data-state", "running")
    expect(card(page, door, "fps")).to_have_text("14,8")
    send(door, frame(fps=15.25, people=3, trend="rising"))
    expect(card(page, door, "fps")).to_have_text("15,3")
    expect(card(page, door, "p50")).to_have_text("43")
    expect(card(page, door, "p95")).to_have_text("71")
    expect(card(page, door, "detections")).to_have_text("2")
    expect(card(page, door, "known")).to_have_text("1")
    expect(card(page, door, "unknown")).to_have_text("1")
    expect(card(page, door, "people")).to_have_text("3")
    expect(card(page, door, "trend")).to_have_attribute("data-trend", "rising")
    expect(card(page, door, "trend")).to_have_text("↑")
    expect(page.locator(f'.camera-card[data-camera-id="{door.pk}"] svg[data-series="people"]')).to_have_attribute(
        "data-last", "3"
    )
    send(door, analytics(node_id="people_count", node_type="people_count", people_count=2, trend="falling"))
    expect(card(page, door, "people")).to_have_text("2")
    expect(card(page, door, "trend")).to_have_text("↓")
    send(
        door,
        analytics(
            node_id="line",
            node_type="line_crossing",
            new_crossings={"in": 1, "out": 0},
            total_crossings={"in": 5, "out": 3},
        ),
    )
    expect(card(page, door, "crossings-in")).to_have_text("5")
    expect(card(page, door, "crossings-out")).to_have_text("3")
    send(door, analytics(node_id="zones", node_type="zone_intrusion", active_zones=["lab", "stage"]))
    expect(card(page, door, "zones")).to_have_text("lab, stage")

    # An alert appears live; the secretary acknowledges it.
    as_a_worker(publish, event=AlertEvent("zone_intrusion", camera_id=door.pk, source_key=f"camera:{door.pk}:lab"))
    raised = Alert.objects.get(type="zone_intrusion")
    row = page.locator(f'#alerts .alert[data-alert-id="{raised.pk}"]')
    expect(row).to_have_attribute("data-status", "open")
    expect(page.locator("#alert-count")).to_have_text("2")
    expect(card(page, door, "alerts")).to_have_text("1")
    row.locator("[data-action=acknowledge]").click()
    expect(row).to_have_attribute("data-status", "acknowledged")
    expect(row.locator("[data-action=acknowledge]")).to_be_hidden()
    expect(row.locator('[data-field="acknowledged-by"]')).to_contain_text("secretaria")
    raised.refresh_from_db()
    assert (raised.status, raised.acknowledged_by.username) == (AlertStatus.ACKNOWLEDGED, "secretaria")

    # The host's metrics.
    as_a_worker(
        send_host_metrics,
        metrics={
            "cpu_percent": 12.5,
            "memory_percent": 40.1,
            "disk_percent": 55.0,
            "load_per_cpu": 0.4,
            "at": timezone.now().isoformat(),
        },
    )
    expect(page.locator('#host [data-field="cpu"]')).to_contain_text("12,5")
    expect(page.locator('#host [data-field="memory"]')).to_contain_text("40,1")
    expect(page.locator('#host [data-field="disk"]')).to_contain_text("55")
    expect(page.locator('#host [data-field="load"]')).to_have_text("0,4")

    # The stream drops: offline, with its error; the alert of the other camera resolves and leaves the list.
    send(door, status(door, "reconnecting", fps=None, error="The camera closed the stream."))
    expect(card(page, door)).to_have_attribute("data-state", "offline")
    expect(card(page, door, "error")).to_have_text("The camera closed the stream.")
    as_a_worker(publish, event=AlertEvent("camera_online", camera_id=lab.pk))
    expect(page.locator("#alerts .alert")).to_have_count(1)
    expect(page.locator("#alert-count")).to_have_text("1")


def test_a_camera_that_claims_to_run_but_stays_silent_turns_stale(asgi_live_server: str, page: Any) -> None:
    door = CameraFactory(name="Porta")
    page.clock.install()
    open_monitor(page, asgi_live_server)
    send(door, status(door, "running", fps=10.0))
    expect(card(page, door)).to_have_attribute("data-state", "running")

    page.clock.fast_forward("00:09")
    expect(card(page, door)).to_have_attribute("data-state", "running")
    page.clock.fast_forward("00:02")

    expect(card(page, door)).to_have_attribute("data-state", "stale")
    send(door, status(door, "running", fps=10.0))
    expect(card(page, door)).to_have_attribute("data-state", "running")


def test_sparklines_start_from_the_history_and_a_reconnect_rebuilds_the_page(asgi_live_server: str, page: Any) -> None:
    door = CameraFactory(name="Porta")
    gone = CameraFactory(name="Antiga")
    start = timezone.now().replace(second=0, microsecond=0)
    for minutes_ago, fps in ((5, 10.0), (3, 12.0), (30, 9.0)):  # the last one is outside the 15 minutes
        CameraMinute.objects.create(
            camera=door, minute=start - dt.timedelta(minutes=minutes_ago), fps=fps, processing_p50=0.05, people_max=2
        )
    page.add_init_script(KEEP_SOCKETS)
    open_monitor(page, asgi_live_server)
    fps_line = page.locator(f'.camera-card[data-camera-id="{door.pk}"] svg[data-series="fps"]')
    expect(fps_line).to_have_attribute("data-points", "2")
    expect(fps_line).to_have_attribute("data-last", "12")
    send(door, frame(fps=14.0, people=4, trend="stable"))
    expect(fps_line).to_have_attribute("data-points", "3")
    expect(card(page, door, "people")).to_have_text("4")
    expect(card(page, door, "trend")).to_have_text("→")
    assert len(fps_line.locator("polyline").get_attribute("points").split()) == 3

    # While the socket is down, a camera goes and another comes: the page rebuilds from the new snapshot.
    gone.delete()
    new = CameraFactory(name="Nova")
    page.evaluate("window.__sockets.at(-1).close()")

    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#monitor")).to_have_attribute("data-snapshot", "done")
    expect(card(page, gone)).to_have_count(0)
    expect(card(page, new, "name")).to_have_text("Nova")
    expect(card(page, door, "people")).to_have_text(NO_VALUE)  # no processor: nothing live in the snapshot
    expect(fps_line).to_have_attribute("data-points", "2")  # the history again, without the old live points
