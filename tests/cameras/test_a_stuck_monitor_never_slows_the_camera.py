"""The camera loop only posts into its monitor feed's mailbox; the feed's own thread sends. However slow or stuck
the sending is, posting returns at once; what could not be sent in time is replaced by newer news (the latest of
each kind wins) and counted as dropped; errors wait in a bounded queue."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from cameras.services import monitor_feed
from cameras.services.monitor_feed import (
    MonitorFeed,
    analytics_message,
    error_message,
    frame_message,
)


class StuckSender:
    """A channel layer that hangs on the first message until released, and records what it got."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.sent: list[dict[str, Any]] = []

    async def __call__(self, camera_id: int, messages: list[dict[str, Any]]) -> None:
        self.entered.set()
        while not self.release.is_set():  # a blocking wait, as a stuck socket write would be
            time.sleep(0.01)
        self.sent.extend(messages)


def status(n: int) -> dict[str, Any]:
    return {"type": "pipeline_status_update", "pipeline_id": 1, "status": "running", "n": n}


def test_posting_returns_at_once_while_the_sender_is_stuck_and_the_latest_wins() -> None:
    sender = StuckSender()
    feed = MonitorFeed(1, max_rate=1000.0, send=sender, store=lambda _id, state: None).start()
    feed.post_status(status(0))
    assert sender.entered.wait(5)  # the sender is now stuck on status 0

    started = time.perf_counter()
    for n in range(1, 1001):
        feed.post_status(status(n))
        feed.post_frame(frame_message(1, {"frame_id": n}))
        feed.post_analytics(analytics_message(1, {"node_id": "people_count", "people_count": n}))
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0, f"3000 posts took {elapsed:.2f} s while the sender was stuck"
    assert feed.dropped == 2 * 999  # statuses and analytics replaced before they could go
    assert feed.superseded_frames == 999  # frames are superseded by design (the throttle), not counted as lost
    sender.release.set()
    feed.stop()
    sent = sender.sent
    assert [m["n"] for m in sent if m["type"] == "pipeline_status_update"] == [0, 1000]
    assert [m["frame_data"]["frame_id"] for m in sent if m["type"] == "pipeline_frame_update"] == [1000]
    assert [m["analytics"]["people_count"] for m in sent if m["type"] == "pipeline_analytics_update"] == [1000]
    assert feed.sent == 4


def test_errors_wait_in_a_bounded_queue_and_the_oldest_overflow_is_counted(monkeypatch: Any) -> None:
    monkeypatch.setattr(monitor_feed, "ERRORS_MAX", 5)
    sender = StuckSender()
    feed = MonitorFeed(1, max_rate=10.0, send=sender, store=lambda _id, state: None).start()
    feed.post_status(status(0))
    assert sender.entered.wait(5)

    for n in range(8):
        feed.post_error(error_message(1, f"error {n}", "error"))

    assert feed.dropped == 3
    sender.release.set()
    feed.stop()
    errors = [m["error_message"] for m in sender.sent if m["type"] == "pipeline_error_update"]
    assert errors == [f"error {n}" for n in range(3, 8)]


def test_frames_go_out_no_faster_than_the_rate() -> None:
    times: list[float] = []

    async def record(camera_id: int, messages: list[dict[str, Any]]) -> None:
        times.extend(time.monotonic() for m in messages if m["type"] == "pipeline_frame_update")

    feed = MonitorFeed(1, max_rate=5.0, send=record, store=lambda _id, state: None).start()
    deadline = time.monotonic() + 1.5
    n = 0
    while time.monotonic() < deadline:
        n += 1
        feed.post_frame(frame_message(1, {"frame_id": n}))
        time.sleep(0.005)  # a camera at ~200 fps
    feed.stop()

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert 3 <= len(times) <= 1.5 * 5 + 2
    assert min(gaps) >= 0.2 * 0.9, gaps
