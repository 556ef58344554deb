"""Uploads: size limit, type by content (not by name), SHA-256, safe stored names, and who may attach them.

Every upload has exactly one principal (see `Upload`): the user who uploaded it, the API client that uploaded
it, or motcua itself for files fetched from a national platform. A dossier only takes unattached uploads of
the principal submitting it (`attachable`): nobody can attach another person's or another client's file.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError, FieldError, InvalidInput
from motcua.dossiers.models import Upload

# (magic prefix, content type, extension)
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def clean_name(name: str) -> str:
    """Keep only the final component of a client's file name, printable, at most 150 characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return (base or "tep")[:150]


def _too_large(limit: int) -> DomainError:
    return DomainError(
        detail=_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
        status=413,
        title="Payload too large",
        errors=[FieldError("file", _("Tệp quá lớn."))],
    )


def _principal(owner: Any, client: Any) -> dict[str, Any]:
    """The ownership fields of a new upload; refuses an anonymous owner and two principals at once."""
    if owner is not None and client is not None:
        raise ValueError("An upload belongs to a user or to an API client, not both.")
    if client is not None:
        if getattr(client, "pk", None) is None:
            raise ValueError("The API client must be saved.")
        return {"owner": None, "client": client, "system": False}
    if owner is not None:
        if not getattr(owner, "is_authenticated", False):
            raise PermissionDenied("Sign in to upload a file.")
        return {"owner": owner, "client": None, "system": False}
    return {"owner": None, "client": None, "system": True}


# --- Content checks beyond the signature (issue 9): an "image bomb" declares dimensions whose decoded pixels
# would fill the memory of whoever opens it (a browser, a thumbnailer, a PDF engine embedding it). The header
# is read without decoding anything; a file whose header cannot be read is left to the signature check.
MAX_IMAGE_PIXELS = 60_000_000  # an A4 page scanned at 600 dpi is 35 megapixels
MAX_IMAGE_SIDE = 20_000
JPEG_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _png_size(content: bytes) -> tuple[int, int] | None:
    # signature (8), then the IHDR chunk: length (4), type (4), width (4), height (4)
    if len(content) < 24 or content[12:16] != b"IHDR":
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame segment, walking the segments from SOI."""
    index = 2
    while index + 9 <= len(content):
        if content[index] != 0xFF:
            return None
        marker = content[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in {0xD8, 0x01} or 0xD0 <= marker <= 0xD7:  # segments without a length
            index += 2
            continue
        length = int.from_bytes(content[index + 2 : index + 4], "big")
        if marker in JPEG_FRAME_MARKERS:
            height = int.from_bytes(content[index + 5 : index + 7], "big")
            width = int.from_bytes(content[index + 7 : index + 9], "big")
            return width, height
        if length < 2 or marker == 0xDA:  # start of scan before any frame: no size to read
            return None
        index += 2 + length
    return None


def check_content(content: bytes, content_type: str) -> None:
    """Refuse an image whose declared size is absurd (a decompression bomb); raises InvalidInput (422)."""
    size = _png_size(content) if content_type == "image/png" else None
    if content_type == "image/jpeg":
        size = _jpeg_size(content)
    if size is None:
        return
    width, height = size
    limit = int(getattr(settings, "MOTCUA_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS))
    if width == 0 or height == 0 or width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > limit:
        message = _("Ảnh có kích thước %(width)s × %(height)s điểm ảnh, vượt giới hạn cho phép.") % {
            "width": width,
            "height": height,
        }
        raise InvalidInput(detail=message, errors=[FieldError("file", message)])


def upload_create(*, owner: Any = None, client: Any = None, file: Any) -> Upload:
    """Check and store an uploaded file for `owner` (a signed-in user) or `client` (an API client).

    With neither, the file is motcua's own (`system`): only a submission by motcua itself (`actor=None`, the
    inbound national portal) may attach it.
    """
    principal = _principal(owner, client)
    limit = int(getattr(settings, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    size = int(getattr(file, "size", 0) or 0)
    if size > limit:
        raise _too_large(limit)
    if size == 0:
        raise InvalidInput(detail=_("Tệp rỗng."), errors=[FieldError("file", _("Tệp rỗng."))])
    digest = hashlib.sha256()
    chunks = []
    for chunk in file.chunks():
        digest.update(chunk)
        chunks.append(chunk)
    content = b"".join(chunks)
    if len(content) > limit:  # the declared size may lie
        raise _too_large(limit)
    kind = sniff(content[:16])
    if kind is None:
        raise InvalidInput(
            detail=_("Chỉ nhận tệp PDF, PNG hoặc JPEG."),
            errors=[FieldError("file", _("Nội dung tệp không phải PDF, PNG hoặc JPEG."))],
        )
    content_type, extension = kind
    check_content(content, content_type)
    name = clean_name(getattr(file, "name", "") or "tep")
    stored = Upload(
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=digest.hexdigest(),
        **principal,
    )
    stored.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content), save=False)
    stored.save()
    return stored


def attachable(*, actor: Any, client: Any = None) -> QuerySet[Upload]:
    """The uploads a submission by `actor` (or by the API `client`) may attach: its own, not yet attached.

    A client: the client's uploads. A signed-in user: the user's uploads. `actor` None (motcua itself, the
    inbound national portal): system uploads. Anyone else (an anonymous user, an unknown actor): none.
    """
    return attachable_of(*submitter(actor=actor, client=client))


def submitter(*, actor: Any, client: Any = None) -> tuple[str, Any]:
    """Whose uploads a submission may attach: ("client", its id), ("user", its id), ("system", None) or
    ("nobody", None) (see `attachable`)."""
    if client is not None:
        return "client", client.pk
    if getattr(actor, "is_authenticated", False):
        return "user", actor.pk
    if actor is None:
        return "system", None
    return "nobody", None


def attachable_of(kind: str, who: Any) -> QuerySet[Upload]:
    """`attachable` for a `submitter`; `who` may be a `rows.Param`."""
    unused = Upload.objects.filter(used_by__isnull=True)
    if kind == "client":
        return unused.filter(client_id=who, owner__isnull=True, system=False)
    if kind == "user":
        return unused.filter(owner_id=who, client__isnull=True, system=False)
    if kind == "system":
        return unused.filter(owner__isnull=True, client__isnull=True, system=True)
    return unused.none()
