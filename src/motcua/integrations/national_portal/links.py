"""Signed, expiring download links to a dossier's documents and results, sent to the national portal.

The portal shows the files of the dossiers synced to it (`TaiLieuNop[].DuongDanTaiTepTin`,
`DanhSachGiayToKetQua[].DuongDanTepTinKetQua`). Documents stay out of guessable public URLs (domain.md §8):
a link is `{MOTCUA_PUBLIC_URL}/tai-lieu/<token>/`, where the token is `django.core.signing` data (signed with
SECRET_KEY under its own salt, timestamped) naming the kind of file, its id and its SHA-256. It expires after
`MOTCUA_DOCUMENT_LINK_MAX_AGE` seconds (default 30 days); every push of the dossier carries fresh links.

`resolve()` answers None for a bad, tampered, foreign-salt or expired token, for a file that no longer
exists, and for one whose content changed since the link was made: the view answers the same 404 to all.
The token is signed, not encrypted: it holds no personal data (kind, number and hash only).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from motcua.dossiers.models import Document
from motcua.results.models import ResultDocument

SALT = "motcua.integrations.document_link"
DEFAULT_MAX_AGE = 30 * 24 * 3600  # seconds
DOCUMENT = "d"  # a dossier's document (Document)
RESULT = "r"  # a signed result (ResultDocument, its signed file)
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PDF = "application/pdf"


@dataclass(frozen=True)
class LinkedFile:
    kind: str
    pk: int
    file: FieldFile
    name: str
    content_type: str


def max_age() -> int:
    return int(getattr(settings, "MOTCUA_DOCUMENT_LINK_MAX_AGE", DEFAULT_MAX_AGE))


def make_token(kind: str, pk: int, sha256: str) -> str:
    """The signed, timestamped token of one file (its kind, id and content hash)."""
    return signing.dumps({"k": kind, "i": pk, "h": sha256}, salt=SALT)


def url_for_token(token: str) -> str:
    base = str(getattr(settings, "MOTCUA_PUBLIC_URL", "")).rstrip("/")
    return base + reverse("document_links:file", args=[token])


def document_link(document: Document) -> str:
    """The absolute download link of a document; empty for a paper copy without a file."""
    if not document.file or not SHA256_RE.match(document.sha256 or ""):
        return ""
    return url_for_token(make_token(DOCUMENT, document.pk, document.sha256))


def result_link(result: ResultDocument) -> str:
    """The absolute download link of a signed result; empty while it is a draft (not issued yet)."""
    if not result.is_signed or not result.signed_file or not SHA256_RE.match(result.sha256 or ""):
        return ""
    return url_for_token(make_token(RESULT, result.pk, result.sha256))


def _claims(token: str) -> tuple[str, int, str] | None:
    try:
        data: Any = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    kind, pk, sha256 = data.get("k"), data.get("i"), data.get("h")
    if kind not in (DOCUMENT, RESULT) or type(pk) is not int or not isinstance(sha256, str):
        return None
    if not SHA256_RE.match(sha256):
        return None
    return kind, pk, sha256


def resolve(token: str) -> LinkedFile | None:
    """The file a valid, unexpired token names, if it still exists with the same content; None otherwise."""
    claims = _claims(token)
    if claims is None:
        return None
    kind, pk, sha256 = claims
    if kind == DOCUMENT:
        document = Document.objects.filter(pk=pk).exclude(file="").first()
        if document is None or not hmac.compare_digest(document.sha256, sha256):
            return None
        return LinkedFile(kind, pk, document.file, document.original_name or "tai-lieu", document.content_type)
    result = ResultDocument.objects.filter(pk=pk, state=ResultDocument.State.SIGNED).exclude(signed_file="").first()
    if result is None or not hmac.compare_digest(result.sha256, sha256):
        return None
    return LinkedFile(kind, pk, result.signed_file, _result_name(result), PDF)


def _result_name(result: ResultDocument) -> str:
    name = result.original_name or f"{result.code}.pdf"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"
