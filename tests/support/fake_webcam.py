"""A webcam for Chromium's fake capture device: a video file, generated from RGB frames, that the browser plays in a
loop as the camera's picture (``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>``).

Chromium reads two formats: Y4M (raw I420 frames after a header that sets the size and frame rate) and MJPEG (JPEG
frames end to end). Debian's Chromium plays an MJPEG file at about 30 fps whatever was meant, and a Y4M file at
the rate its header says, so the fake camera is Y4M: a blink lasts as long as it was written to.

``blinking_portrait`` is a student at the kiosk: a portrait at a webcam's size whose eyes close for a frame or two
every second, as someone looking at a camera blinks (the eyes are closed by tests/support/blinks.py);
``still_portrait`` is a printed photo of them held up to it. Both carry a sensor's faint noise, so that no two
frames are identical (Chromium loops the file: keep it long enough that the kiosk's cache of recent frames does
not answer the second round).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceBox, load_image
from recognition.engine.liveness import face_landmarks
from tests.support.blinks import close_eyes
from tests.support.images import fixture_bytes

Image = NDArray[np.uint8]  # height x width x 3, RGB

#: A webcam's picture.
WIDTH, HEIGHT = 640, 480


def write_y4m(frames: Iterable[Image], path: Path, fps: int = 10) -> Path:
    """Write `frames` (RGB, all of one even size) as a Y4M video at `fps` frames per second; return `path`."""
    with path.open("wb") as video:
        size: tuple[int, int] | None = None
        for frame in frames:
            height, width = frame.shape[:2]
            if size is None:
                if width % 2 or height % 2:
                    raise ValueError(f"4:2:0 frames need an even width and height, not {width}x{height}")
                size = (width, height)
                video.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
            elif (width, height) != size:
                raise ValueError(f"every frame must be {size[0]}x{size[1]}, not {width}x{height}")
            video.write(b"FRAME\n")
            video.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())  # the Y, U and V planes, in order
        if size is None:
            raise ValueError("a video needs at least one frame")
    return path


def webcam_portrait(name: str) -> tuple[Image, FaceBox]:
    """The fixture portrait `name` framed as a webcam sees it (640x480: scaled to 640 wide, cropped or padded
    around the face to 480 tall), with its face's box."""
    import face_recognition

    image = load_image(fixture_bytes(name))
    height, width = image.shape[:2]
    image = cv2.resize(image, (WIDTH, round(height * WIDTH / width)), interpolation=cv2.INTER_AREA)
    top, _right, bottom, _left = face_recognition.face_locations(image)[0]
    if image.shape[0] < HEIGHT:
        pad = HEIGHT - image.shape[0]
        image = cv2.copyMakeBorder(image, pad // 2, pad - pad // 2, 0, 0, cv2.BORDER_REPLICATE)
    else:
        start = min(max(0, (top + bottom) // 2 - HEIGHT // 2), image.shape[0] - HEIGHT)
        image = np.ascontiguousarray(image[start : start + HEIGHT])
    found = face_recognition.face_locations(image)
    if len(found) != 1:
        raise ValueError(f"{name}: {len(found)} faces once framed, not one")
    top, right, bottom, left = found[0]
    return image, FaceBox(top=top, right=right, bottom=bottom, left=left)


def blink_sequence(open_eyes: Image, closed_eyes: Image, frames: int, every: int = 10, closed: int = 2) -> list[Image]:
    """`frames` frames of open eyes, of which the last `closed` of every `every` are closed (a blink each time)."""
    if not 0 < closed < every:
        raise ValueError("a blink closes the eyes for some frames of each period, not all")
    return [closed_eyes if index % every >= every - closed else open_eyes for index in range(frames)]


def with_sensor_noise(frames: Iterable[Image], level: int = 3, seed: int = 0) -> Iterator[Image]:
    """Each frame with a webcam sensor's faint noise (up to `level` levels per pixel): no two frames are the same
    bytes, as from a real camera (the kiosk answers a frame identical to a recent one from its cache)."""
    rng = np.random.default_rng(seed)
    for frame in frames:
        noise = rng.integers(-level, level + 1, size=frame.shape, dtype=np.int16)
        yield np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def blinking_portrait(
    name: str = "lin-manuel-miranda.png", seconds: float = 10.0, fps: int = 10, closed: int = 2
) -> Iterator[Image]:
    """The portrait `name` looking at the camera for `seconds` and blinking once a second (eyes closed for `closed`
    frames), as frames at `fps` with sensor noise."""
    image, box = webcam_portrait(name)
    shut = close_eyes(image, face_landmarks(image, box))
    return with_sensor_noise(blink_sequence(image, shut, frames=round(seconds * fps), every=fps, closed=closed))


def still_portrait(name: str = "lin-manuel-miranda.png", seconds: float = 10.0, fps: int = 10) -> Iterator[Image]:
    """The portrait `name` held up to the camera, never blinking (a printed photo), as frames with sensor noise."""
    image, _box = webcam_portrait(name)
    return with_sensor_noise(image for _frame in range(round(seconds * fps)))


def blinking_webcam(path: Path, name: str = "lin-manuel-miranda.png", fps: int = 10) -> Path:
    """A Y4M video at `path` of `name` blinking once a second (see `blinking_portrait`), for Chromium's fake
    camera; return `path`."""
    return write_y4m(blinking_portrait(name, fps=fps), path, fps=fps)
