"""open_frames reads files, HTTP MJPEG cameras and RTSP URLs as (timestamp, RGB frame), and fails with StreamError."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from cameras.mjpeg import MjpegServer
from recognition.engine import StreamError, open_frames
from tests.support.images import fixture_path

CLIP = fixture_path("short_hamilton_clip.mp4")


@pytest.fixture
def camera() -> Iterator[MjpegServer]:
    with MjpegServer(CLIP, port=0, fps=20.0) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nobody listens there once the socket is closed


def test_a_file_yields_every_frame_in_rgb_with_its_media_time() -> None:
    frames = list(open_frames(str(CLIP), realtime=False))

    assert len(frames) == 275
    timestamps = np.array([timestamp for timestamp, _ in frames])
    assert np.allclose(timestamps, np.arange(275) / 29.97, atol=1e-3)
    capture = cv2.VideoCapture(str(CLIP))
    ok, bgr = capture.read()
    capture.release()
    assert ok
    first = frames[0][1]
    assert first.shape == (360, 640, 3) and first.dtype == np.uint8
    assert np.array_equal(first, bgr[:, :, ::-1])


def test_a_file_in_realtime_plays_at_media_speed_and_a_slow_consumer_skips_frames() -> None:
    received: list[tuple[float, float]] = []  # (media time, wall time when received)
    frames = open_frames(str(CLIP), realtime=True)
    for timestamp, _ in frames:
        received.append((timestamp, time.monotonic()))
        if len(received) == 6:
            break
        time.sleep(0.1)  # three frame periods of work per frame
    frames.close()

    media_span = received[-1][0] - received[0][0]
    wall_span = received[-1][1] - received[0][1]
    # Paced: media time keeps up with the wall clock (within about a frame period), it does not run ahead.
    assert -0.05 < wall_span - media_span < 0.15
    gaps = np.diff([media for media, _ in received])
    assert gaps.min() > 1.5 / 29.97  # frames the consumer was too slow for were dropped, not queued


def test_an_http_mjpeg_camera_yields_frames_of_its_size_with_increasing_timestamps(camera: MjpegServer) -> None:
    url = f"http://127.0.0.1:{camera.port}/stream"
    for realtime in (True, False):
        frames = open_frames(url, realtime=realtime)
        received = [item for _, item in zip(range(4), frames, strict=False)]
        frames.close()

        assert [frame.shape for _, frame in received] == [(360, 640, 3)] * 4
        timestamps = [timestamp for timestamp, _ in received]
        assert timestamps == sorted(timestamps) and timestamps[0] <= time.monotonic()
        # A stage, not a test card: the frame has real content (and the right colours, checked on files above).
        assert received[-1][1].std() > 20


def test_a_camera_that_goes_away_ends_the_iteration_with_stream_error(camera: MjpegServer) -> None:
    frames = open_frames(camera.url, realtime=True, timeout_s=3.0)
    next(frames)
    camera.stop()

    with pytest.raises(StreamError, match="stream ended"):
        for _ in range(100):
            next(frames)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("http://127.0.0.1:{port}/stream", "cannot connect"),
        ("rtsp://admin:hunter2@127.0.0.1:{port}/live", "cannot connect"),
        ("/nonexistent/recording.mp4", "no such video file"),
        (__file__, "cannot decode"),  # a file that is not a video
    ],
)
def test_a_source_that_cannot_be_opened_raises_stream_error_at_once(source: str, message: str) -> None:
    started = time.monotonic()

    with pytest.raises(StreamError, match=message) as caught:
        open_frames(source.format(port=closed_port()), realtime=True, timeout_s=5.0)

    assert time.monotonic() - started < 5.0
    assert "hunter2" not in str(caught.value)  # camera passwords stay out of logs
