"""Why a photo was refused.

The codes are stable strings: the API returns them to clients and the UI translates them, so they must never be
renamed. ``detail`` is for logs and developers (English, short); it is not meant to be shown to end users as is.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ImageRejected", "RejectionCode"]


class RejectionCode(StrEnum):
    """Machine-readable reason for refusing an image."""

    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE = "too_large"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    FACE_TOO_SMALL = "face_too_small"
    TOO_BLURRY = "too_blurry"


class ImageRejected(Exception):
    """The image cannot be used; ``code`` says why, ``detail`` explains it in a few words."""

    def __init__(self, code: RejectionCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[type[ImageRejected], tuple[RejectionCode, str]]:
        # Keep the exception picklable with its two arguments (Celery ships exceptions between processes).
        return (type(self), (self.code, self.detail))
