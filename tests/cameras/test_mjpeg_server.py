"""The fake ESP32-CAM serves a video as multipart/x-mixed-replace JPEG parts to several clients, in a loop."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.mjpeg import MjpegServer
from tests.support.images import fixture_path

CLIP = fixture_path("short_hamilton_clip.mp4")


class MjpegClient:
    """A raw HTTP client that parses the multipart stream itself, to check the bytes on the wire."""

    def __init__(self, port: int, path: str = "/stream") -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.connection.request("GET", path)
        self.response = self.connection.getresponse()

    def next_part(self) -> tuple[dict[str, str], bytes]:
        stream = self.response
        boundary = stream.readline()
        if not boundary:
            raise EOFError("the server closed the stream")
        assert boundary == b"--frame\r\n", boundary
        headers: dict[str, str] = {}
        while (line := stream.readline()) != b"\r\n":
            name, _, value = line.decode("ascii").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = stream.read(int(headers["content-length"]))
        assert stream.read(2) == b"\r\n"
        return headers, body

    def close(self) -> None:
        self.connection.close()


def decode(jpeg: bytes) -> NDArray[np.uint8]:
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"  # JPEG start and end markers
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture
def server() -> Iterator[MjpegServer]:
    with MjpegServer(CLIP, port=0, fps=30.0) as running:
        yield running


def test_two_clients_receive_valid_jpeg_parts_at_the_same_time(server: MjpegServer) -> None:
    first, second = MjpegClient(server.port), MjpegClient(server.port)
    try:
        for client in (first, second):
            assert client.response.status == 200
            assert client.response.getheader("Content-Type") == "multipart/x-mixed-replace; boundary=frame"
        # Interleaved reads: both streams are live at once, neither waits for the other to finish.
        parts = [client.next_part() for _ in range(4) for client in (first, second)]
    finally:
        first.close()
        second.close()

    for headers, body in parts:
        assert headers["content-type"] == "image/jpeg"
        assert decode(body).shape == (360, 640, 3)
    for client_parts in (parts[0::2], parts[1::2]):
        assert len({body for _, body in client_parts}) >= 2  # the picture moves on, not one image repeated


def test_the_video_starts_over_when_it_ends(tmp_path: Path) -> None:
    video = tmp_path / "three_colours.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (64, 48))
    for colour in ((0, 0, 255), (0, 255, 0), (255, 0, 0)):  # BGR: red, green, blue
        writer.write(np.full((48, 64, 3), colour, np.uint8))
    writer.release()

    with MjpegServer(video, port=0, fps=10.0) as looping:
        client = MjpegClient(looping.port)
        try:
            frames = [decode(client.next_part()[1]) for _ in range(7)]
        finally:
            client.close()

    colours = ["bgr"[int(np.argmax(frame.reshape(-1, 3).mean(axis=0)))] for frame in frames]
    # Each served frame is the next one of the file (or a later one, if this client was slow: it gets the newest),
    # and after blue comes red again: every step goes forward in the cycle r -> g -> b -> r, and they add up to
    # more than one pass through the file.
    steps = [("rgb".index(b) - "rgb".index(a)) % 3 for a, b in pairwise(colours)]
    assert all(step in (1, 2) for step in steps), colours
    assert sum(steps) > 3, colours


def test_other_paths_answer_404(server: MjpegServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", "/capture")
        assert connection.getresponse().status == 404
    finally:
        connection.close()


def test_stop_disconnects_clients_and_frees_the_port() -> None:
    server = MjpegServer(CLIP, port=0, fps=30.0)
    port = server.start()
    client = MjpegClient(port)
    client.next_part()

    server.stop()

    with pytest.raises((EOFError, http.client.IncompleteRead, ConnectionError)):
        for _ in range(100):  # parts already in flight may still arrive; then the stream ends
            client.next_part()
    client.close()
    server.stop()  # a second stop is harmless
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/stream")
