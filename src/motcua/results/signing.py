"""PAdES signing and validation with pyHanko (chữ ký số trên văn bản PDF).

Keys: one PKCS#12 file per agency, ``<MOTCUA_SIGNING_KEYS_DIR>/<agency code>.p12`` (or the path given for the
agency in ``MOTCUA_SIGNING_KEYS``), opened with ``MOTCUA_SIGNING_P12_PASSPHRASE``. A time-stamp from
``MOTCUA_TSA_URL`` (RFC 3161) is embedded when that setting is set. Validation trusts the certificates listed
in ``MOTCUA_SIGNING_TRUST_ROOTS`` (PEM or DER files; default: the demo CA ``<keys dir>/ca.pem``) and never
fetches anything from the network. Hardware tokens (PKCS#11): docs/results.md.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.results import pki

logger = logging.getLogger(__name__)

FIELD_NAME = "motcua-result"


class SigningUnavailable(Exception):
    """The agency has no usable signing key (missing file, wrong passphrase)."""


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    signer_subject: str
    timestamped: bool


@dataclass(frozen=True)
class SignatureCheck:
    """What validation of the embedded signature found; `valid` is the bottom line."""

    present: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer_subject: str = ""
    signed_at: Any = None
    timestamped: bool = False

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.trusted and self.covers_whole_file


def keys_dir() -> Path:
    return Path(settings.MOTCUA_SIGNING_KEYS_DIR)


def key_path(agency_code: str) -> Path:
    mapping: dict[str, str] = getattr(settings, "MOTCUA_SIGNING_KEYS", {}) or {}
    if agency_code in mapping:
        return Path(mapping[agency_code])
    return keys_dir() / pki.p12_filename(agency_code)


def _signer(agency_code: str) -> signers.SimpleSigner:
    path = key_path(agency_code)
    if not path.exists():
        raise SigningUnavailable(str(path))
    passphrase = settings.MOTCUA_SIGNING_P12_PASSPHRASE
    signer = signers.SimpleSigner.load_pkcs12(
        pfx_file=str(path), passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise SigningUnavailable(str(path))
    return signer


def has_key(agency_code: str) -> bool:
    return key_path(agency_code).exists()


def sign_pdf(pdf: bytes, *, agency_code: str, reason: str, location: str) -> Signed:
    """A PAdES B-B (B-T with a TSA) signature over the whole `pdf` with the agency's key."""
    signer = _signer(agency_code)
    tsa_url = getattr(settings, "MOTCUA_TSA_URL", "")
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    except SigningError as exc:
        raise SigningUnavailable(str(exc)) from exc
    certificate = signer.signing_cert
    subject = certificate.subject.human_friendly if certificate is not None else ""
    return Signed(pdf=output.getvalue(), signer_subject=subject, timestamped=timestamper is not None)


def is_readable_pdf(pdf: bytes) -> bool:
    """Whether pyHanko can open `pdf` for an incremental update (what signing needs)."""
    try:
        IncrementalPdfFileWriter(io.BytesIO(pdf))
    except Exception:  # any parse failure means "not a usable PDF"
        return False
    return True


def trust_roots() -> list[Any]:
    configured: list[str] = list(getattr(settings, "MOTCUA_SIGNING_TRUST_ROOTS", []) or [])
    paths = [Path(p) for p in configured] or [keys_dir() / pki.CA_CERT_FILE]
    return [load_cert_from_pemder(str(p)) for p in paths if p.exists()]


def check_signature(pdf: bytes) -> SignatureCheck:
    """Validate the last embedded signature of `pdf` against the trust roots; never raises on bad input."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # any unreadable file is simply "no valid signature"
        logger.info("result verification: unreadable PDF")
        return SignatureCheck(present=False)
    if not signatures:
        return SignatureCheck(present=False)
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception:  # a malformed signature is an invalid one
        logger.info("result verification: signature could not be validated", exc_info=True)
        return SignatureCheck(present=True)
    timestamp = status.timestamp_validity
    return SignatureCheck(
        present=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_subject=status.signing_cert.subject.human_friendly,
        signed_at=(timestamp.timestamp if timestamp is not None else status.signer_reported_dt),
        timestamped=timestamp is not None,
    )
