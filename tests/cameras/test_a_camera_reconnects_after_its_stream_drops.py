from __future__ import annotations

from collections.abc import Callable

from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from cameras.services.lease import lease_holder
from tests.cameras.conftest import CLIP, ProcessorThread
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_a_dropped_stream_shows_reconnecting_then_running_again_when_the_camera_is_back(
    fake_camera: MjpegServer, quick_processor: None, processor_thread: Callable[[int], ProcessorThread]
) -> None:
    camera = CameraFactory(stream_url=fake_camera.url)
    processor_thread(camera.pk)

    def state() -> Camera:
        return Camera.objects.get(pk=camera.pk)

    wait_until(lambda: state().state == Camera.State.RUNNING, 15, "the camera never ran")
    fake_camera.stop()  # the ESP32-CAM reboots
    dropped = wait_until(
        lambda: (row := state()).state == Camera.State.RECONNECTING and row, 20, "the drop was not noticed"
    )
    assert dropped.last_error and dropped.measured_fps is None
    assert lease_holder(camera.pk) is not None  # reconnecting, the camera stays ours

    with MjpegServer(CLIP, port=fake_camera.port, fps=10):  # back, at the same address
        back = wait_until(lambda: (row := state()).state == Camera.State.RUNNING and row, 20, "it did not come back")

    assert back.last_error == ""
