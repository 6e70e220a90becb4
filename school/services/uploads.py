"""Uploaded files, made safe before anything is stored.

Images are decoded and re-encoded from their pixels: what is stored (and served back) is a fresh JPEG or PNG with
no metadata (EXIF and its GPS position, ICC profiles, comments), the EXIF orientation baked into the pixels, and
none of the bytes a crafted file hides after or around its picture (an HTML page or a ZIP: a polyglot). Documents
(justifications, signed consent forms) are an image, re-encoded so, or a PDF, recognised by its content. The stored
name is always a random one with the extension of what was stored: the uploaded name is never trusted.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext_lazy as _
from PIL import Image

from recognition.engine.errors import ImageRejected, RejectionCode
from recognition.engine.images import RGBImage, load_image
from school.errors import Refused

#: JPEG quality of re-encoded photos: no visible loss, and face encodings move by less than the detector's jitter.
JPEG_QUALITY = 92
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_SIGNATURE = b"%PDF-"
PDF_CONTENT_TYPES = frozenset({"application/pdf", "application/x-pdf"})

NOT_AN_IMAGE = RejectionCode.NOT_AN_IMAGE.value
TOO_LARGE = RejectionCode.TOO_LARGE.value
NOT_A_DOCUMENT = "not_a_document"
WRONG_CONTENT_TYPE = "wrong_content_type"

_MESSAGES = {
    NOT_AN_IMAGE: _("Not an image, or a damaged file"),
    TOO_LARGE: _("The image is too large"),
    NOT_A_DOCUMENT: _("The document must be a PDF or an image (JPEG, PNG, WebP...)."),
    WRONG_CONTENT_TYPE: _("The file's type does not match its content."),
}


class UploadRejected(Refused):
    """The upload cannot be stored; `code` is one of the constants above, `detail` its message for people, and
    `technical` what exactly was wrong with the file (for logs and tracebacks, untranslated)."""

    def __init__(self, code: str, technical: str = "") -> None:
        super().__init__(code, str(_MESSAGES[code]))
        self.technical = technical
        if technical:  # a traceback says what was wrong with the file, not the message people read
            self.args = (f"{code}: {technical}",)


def reencoded_image(upload: bytes | File, *, max_pixels: int | None = None) -> ContentFile:
    """The upload decoded and re-encoded (see the module's docstring), named `<uuid4>.jpg` or `.png`.

    Raises UploadRejected (`not_an_image`, `too_large`) for what is not a usable image.
    """
    data = _read(upload)
    return image_file(decoded_image(data, max_pixels=max_pixels), source=data)


def decoded_image(data: bytes, *, max_pixels: int | None = None) -> RGBImage:
    """The upright RGB pixels of an image upload, or UploadRejected."""
    try:
        return load_image(data, max_pixels=max_pixels or settings.MAX_IMAGE_PIXELS)
    except ImageRejected as rejection:
        raise UploadRejected(rejection.code.value, rejection.detail) from None


def image_file(image: RGBImage, *, source: bytes) -> ContentFile:
    """Already decoded pixels as the file to store: PNG when the upload was a PNG (lossless: screenshots, scans,
    cut-outs, whose transparency the decoder put on white), else JPEG. Nothing of `source` but its pixels is kept."""
    lossless = source.startswith(PNG_SIGNATURE)
    buffer = io.BytesIO()
    picture = Image.fromarray(image)
    if lossless:
        picture.save(buffer, "PNG", optimize=False)
    else:
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{'png' if lossless else 'jpg'}")


def checked_document(upload: bytes | File, *, max_pixels: int | None = None) -> ContentFile:
    """A justification's or consent form's document, safe to store: a PDF (by its first bytes, and its declared
    content type when the upload has one) kept as sent, or an image re-encoded; named `<uuid4>.pdf/.jpg/.png`.

    Raises UploadRejected: `not_a_document` (neither), `wrong_content_type` (a PDF or an image declared as
    something else), `too_large` (an image with too many pixels).
    """
    data = _read(upload)
    declared = _declared_type(upload)
    if data.startswith(PDF_SIGNATURE):
        if declared is not None and declared not in PDF_CONTENT_TYPES:
            raise UploadRejected(WRONG_CONTENT_TYPE, f"a PDF declared as {declared}")
        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    try:
        image = decoded_image(data, max_pixels=max_pixels)
    except UploadRejected as rejection:
        if rejection.code == TOO_LARGE:
            raise
        raise UploadRejected(NOT_A_DOCUMENT, rejection.technical) from None
    if declared is not None and not declared.startswith("image/"):
        raise UploadRejected(WRONG_CONTENT_TYPE, f"an image declared as {declared}")
    return image_file(image, source=data)


def _read(upload: bytes | File) -> bytes:
    if isinstance(upload, bytes):
        return upload
    upload.seek(0)
    data = upload.read()
    return data if isinstance(data, bytes) else data.encode()


def _declared_type(upload: bytes | File) -> str | None:
    """The content type the client declared (an UploadedFile's), lower-cased; None when there is none."""
    declared = getattr(upload, "content_type", None)
    if not declared:
        return None
    return str(declared).split(";", 1)[0].strip().lower() or None
