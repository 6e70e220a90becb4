from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from recognition.events import gallery_group
from recognition.models import Gallery
from recognition.services.gallery import queue_gallery
from tests.markers import committing_db
from tests.recognition.gallery.conftest import add_photos

pytestmark = committing_db


def test_each_finished_photo_sends_the_gallery_progress(gallery: Gallery) -> None:
    layer: Any = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(gallery_group(gallery.pk), channel)
    photos = add_photos(gallery, "obama2.jpg", "two_people.jpg")

    queue_gallery(gallery)
    messages = [async_to_sync(layer.receive)(channel) for _ in range(2)]

    assert [message["type"] for message in messages] == ["gallery.progress", "gallery.progress"]
    assert [(message["done"], message["total"]) for message in messages] == [(1, 2), (2, 2)]
    assert all(message["gallery"] == gallery.pk for message in messages)
    assert sorted((message["photo"], message["status"]) for message in messages) == sorted(
        [(photos["obama2.jpg"].pk, "done"), (photos["two_people.jpg"].pk, "done")]
    )


def test_a_photo_that_ends_in_error_says_so_in_its_progress_event(gallery: Gallery) -> None:
    from django.core.files.storage import default_storage

    from tests.support.images import truncated_jpeg

    layer: Any = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(gallery_group(gallery.pk), channel)
    photo = add_photos(gallery, "obama2.jpg")["obama2.jpg"]
    with default_storage.open(photo.image.name, "wb") as stored:  # damaged on disk after the upload
        stored.write(truncated_jpeg("obama2.jpg", keep=0.05))

    queue_gallery(gallery)
    message = async_to_sync(layer.receive)(channel)

    assert (message["photo"], message["status"], message["done"], message["failed"]) == (photo.pk, "error", 0, 1)
