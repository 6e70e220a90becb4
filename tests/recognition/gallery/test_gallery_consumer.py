from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from recognition.models import Gallery, PhotoJob
from recognition.services.gallery import send_progress
from school.asgi import application
from tests.factories import SecretaryFactory, TeacherFactory, UserFactory
from tests.markers import committing_db
from tests.recognition.gallery.pages_support import processed_photo
from tests.support.sockets import session_headers

pytestmark = committing_db


@database_sync_to_async
def gallery_with_photos(done: int, pending: int) -> tuple[Gallery, list[tuple[bytes, bytes]]]:
    gallery = Gallery.objects.create(title="Festa junina")
    for number in range(done + pending):
        photo = processed_photo(gallery, number)
        if number >= done:
            PhotoJob.objects.filter(photo=photo).update(status=PhotoJob.Status.PENDING)
    return gallery, session_headers(SecretaryFactory())


async def connect(gallery_id: int, headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, f"/ws/galleries/{gallery_id}/", headers=headers)
    connected, _subprotocol = await communicator.connect()
    return communicator, connected


async def test_a_secretary_gets_the_counts_on_connect() -> None:
    gallery, headers = await gallery_with_photos(done=1, pending=2)

    communicator, connected = await connect(gallery.pk, headers)

    assert connected
    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["gallery"] == gallery.pk
    assert {key: snapshot["counts"][key] for key in ("total", "done", "pending")} == {
        "total": 3,
        "done": 1,
        "pending": 2,
    }
    await communicator.disconnect()


async def test_each_progress_event_of_the_gallery_is_relayed() -> None:
    gallery, headers = await gallery_with_photos(done=1, pending=1)
    other, _headers = await gallery_with_photos(done=0, pending=1)
    communicator, _connected = await connect(gallery.pk, headers)
    await communicator.receive_json_from()

    @database_sync_to_async
    def finish_a_photo() -> int:
        PhotoJob.objects.filter(photo__gallery=gallery).update(status=PhotoJob.Status.DONE)
        send_progress(other.pk)  # not this page's gallery
        send_progress(gallery.pk, 42)
        return gallery.pk

    await finish_a_photo()

    event = await communicator.receive_json_from(timeout=2)
    assert event == {
        "type": "gallery.progress",
        "gallery": gallery.pk,
        "done": 2,
        "failed": 0,
        "total": 2,
        "photo": 42,
        "status": None,
    }
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_a_resync_request_gets_a_fresh_snapshot() -> None:
    gallery, headers = await gallery_with_photos(done=0, pending=1)
    communicator, _connected = await connect(gallery.pk, headers)
    await communicator.receive_json_from()
    await database_sync_to_async(PhotoJob.objects.update)(status=PhotoJob.Status.DEAD)

    await communicator.send_json_to({"type": "resync"})

    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["counts"]["dead"] == 1
    await communicator.disconnect()


async def test_anonymous_and_unauthorised_sockets_are_refused() -> None:
    gallery, _headers = await gallery_with_photos(done=0, pending=1)

    @database_sync_to_async
    def headers_of(factory: Any, **fields: Any) -> list[tuple[bytes, bytes]]:
        return session_headers(factory(**fields))

    attempts = {
        "anonymous": [(b"origin", b"http://localhost")],
        "teacher": await headers_of(TeacherFactory),
        "staff without gallery rights": await headers_of(UserFactory, is_staff=True),
    }
    for who, headers in attempts.items():
        communicator = WebsocketCommunicator(application, f"/ws/galleries/{gallery.pk}/", headers=headers)
        connected, close_code = await communicator.connect()
        assert (connected, close_code) == (False, 4403), who


async def test_a_socket_for_a_missing_gallery_is_refused() -> None:
    gallery, headers = await gallery_with_photos(done=0, pending=0)

    _communicator, connected = await connect(gallery.pk + 1000, headers)

    assert not connected
