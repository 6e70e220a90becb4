from __future__ import annotations

from collections.abc import Callable

from cameras.mjpeg import MjpegServer
from cameras.models import Camera
from cameras.services.lease import lease_holder
from cameras.services.processor import DISABLED
from tests.cameras.conftest import ProcessorThread
from tests.cameras.factories import CameraFactory
from tests.markers import committing_db
from tests.support.waiting import wait_until

pytestmark = committing_db


def test_a_camera_disabled_in_the_database_stops_and_frees_its_lease(
    fake_camera: MjpegServer, quick_processor: None, processor_thread: Callable[[int], ProcessorThread]
) -> None:
    camera = CameraFactory(stream_url=fake_camera.url)
    thread = processor_thread(camera.pk)
    wait_until(lambda: Camera.objects.get(pk=camera.pk).state == Camera.State.RUNNING, 15, "the camera never ran")
    assert lease_holder(camera.pk) is not None

    Camera.objects.filter(pk=camera.pk).update(enabled=False)  # as the admin's "disable" action does

    assert thread.join(timeout=10) == DISABLED
    assert Camera.objects.get(pk=camera.pk).state == Camera.State.DISABLED
    assert lease_holder(camera.pk) is None
