"""Uploads: size limit, type by content (not by name), SHA-256, safe stored names."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
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


def upload_create(*, owner: Any, file: Any) -> Upload:
    limit = int(getattr(settings, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    size = int(getattr(file, "size", 0) or 0)
    if size > limit:
        raise DomainError(
            detail=_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
            status=413,
            title="Payload too large",
            errors=[FieldError("file", _("Tệp quá lớn."))],
        )
    if size == 0:
        raise InvalidInput(detail=_("Tệp rỗng."), errors=[FieldError("file", _("Tệp rỗng."))])
    digest = hashlib.sha256()
    chunks = []
    for chunk in file.chunks():
        digest.update(chunk)
        chunks.append(chunk)
    content = b"".join(chunks)
    kind = sniff(content[:16])
    if kind is None:
        raise InvalidInput(
            detail=_("Chỉ nhận tệp PDF, PNG hoặc JPEG."),
            errors=[FieldError("file", _("Nội dung tệp không phải PDF, PNG hoặc JPEG."))],
        )
    content_type, extension = kind
    name = clean_name(getattr(file, "name", "") or "tep")
    stored = Upload(
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=digest.hexdigest(),
        owner=owner if getattr(owner, "is_authenticated", False) else None,
    )
    stored.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content), save=False)
    stored.save()
    return stored
