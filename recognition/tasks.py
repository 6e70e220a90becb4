from __future__ import annotations

from celery import shared_task

from recognition.services.enrollment import encode_pending_photo


@shared_task(acks_late=True, max_retries=3, default_retry_delay=5)
def encode_face_photo(photo_id: int) -> str | None:
    """Encode one enrollment photo (idempotent: a photo already processed is left as it is)."""
    photo = encode_pending_photo(photo_id)
    return photo.status if photo else None
