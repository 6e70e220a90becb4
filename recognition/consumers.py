"""The gallery page's WebSocket: the processing counts on connect, then every progress event of the gallery."""

from __future__ import annotations

from typing import Any

from recognition.events import gallery_group
from recognition.models import Gallery
from recognition.services.gallery import job_counts
from recognition.services.gallery_pages import can_view_galleries
from school.consumers import LiveGroupConsumer


class GalleryConsumer(LiveGroupConsumer):
    gallery_id: int

    def join(self) -> str | None:
        gallery_id = self.scope["url_route"]["kwargs"]["gallery_id"]
        if not can_view_galleries(self.scope.get("user")) or not Gallery.objects.filter(pk=gallery_id).exists():
            return None
        self.gallery_id = gallery_id
        return gallery_group(gallery_id)

    def snapshot(self) -> dict[str, Any]:
        return {"type": "snapshot", "gallery": self.gallery_id, "counts": job_counts(self.gallery_id)}

    def gallery_progress(self, event: dict[str, Any]) -> None:
        # done, failed, total (photos) and the photo that just finished, as recognition.events sends them.
        self.send_json({**event, "type": "gallery.progress"})
