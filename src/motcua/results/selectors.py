"""Reads of electronic results, and the public verification (xác thực kết quả)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from motcua.core.errors import NotFound
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import Dossier, Status
from motcua.org import access
from motcua.results import signing
from motcua.results.models import ResultDocument

CITIZEN_STATUSES = (Status.PROCESSING, Status.PROCESSED, Status.RETURNED)


def results_of(dossier: Dossier) -> QuerySet[ResultDocument]:
    """All results of a dossier (staff view), oldest first."""
    return ResultDocument.objects.filter(dossier=dossier).select_related("signed_by", "uploaded_by")


def signed_results_of(dossier: Dossier) -> QuerySet[ResultDocument]:
    """What the applicant sees: signed results only."""
    return ResultDocument.objects.filter(dossier=dossier, state=ResultDocument.State.SIGNED)


def result_for_staff(user: Any, code: str, result_id: int) -> ResultDocument:
    """A result of dossier `code` if `user` is staff who may see the dossier; NotFound otherwise."""
    if access.staff_of(user) is None and not getattr(user, "is_superuser", False):
        raise NotFound("No result.")
    dossier = dossier_selectors.dossier_for(user, code)
    result = results_of(dossier).filter(pk=result_id).first()
    if result is None:
        raise NotFound("No result.")
    result.dossier = dossier
    return result


def result_for_owner(user: Any, code: str, result_id: int) -> ResultDocument:
    """A signed result of the signed-in applicant's own dossier; NotFound for anyone else."""
    dossier = dossier_selectors.own_dossier(user, code)
    result = signed_results_of(dossier).filter(pk=result_id).first()
    if result is None:
        raise NotFound("No result.")
    return result


@dataclass(frozen=True)
class Verification:
    """The answer of the public verification page: only what the document itself shows publicly."""

    found: bool
    signed: bool = False
    procedure: str = ""
    agency: str = ""
    title: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = None
    timestamped: bool = False
    signature_valid: bool = False
    trusted: bool = False
    stored_hash_matches: bool = False
    uploaded: bool = False
    uploaded_matches: bool | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        if not (self.found and self.signed and self.signature_valid and self.stored_hash_matches):
            return False
        return not self.uploaded or bool(self.uploaded_matches)


def verify(code: str, uploaded: bytes | None = None) -> Verification:
    """Check result `code`: the stored signed file's embedded signature (trust roots, whole-file coverage)
    and its SHA-256 against the recorded one; with `uploaded` (the copy a visitor holds), also that copy's
    signature and that it is byte for byte the recorded file. A modified file is never reported valid."""
    result = (
        ResultDocument.objects.select_related("dossier__competent_agency", "dossier__procedure_version")
        .filter(code=code)
        .first()
    )
    if result is None or len(code) < 10:
        return Verification(found=False)
    dossier = result.dossier
    base: dict[str, Any] = {
        "found": True,
        "procedure": dossier.procedure_version.name,
        "agency": dossier.competent_agency.name,
        "title": result.title,
    }
    if not result.is_signed or not result.signed_file:
        return Verification(signed=False, **base)
    reasons: list[str] = []
    with result.signed_file.open("rb") as handle:
        stored = handle.read()
    stored_matches = hashlib.sha256(stored).hexdigest() == result.sha256
    if not stored_matches:
        reasons.append("stored_hash")
    check = signing.check_signature(stored)
    uploaded_matches: bool | None = None
    if uploaded is not None:
        uploaded_matches = hashlib.sha256(uploaded).hexdigest() == result.sha256
        if not uploaded_matches:
            reasons.append("uploaded_hash")
            upload_check = signing.check_signature(uploaded)
            if not upload_check.valid:
                reasons.append("uploaded_signature")
    if not check.valid:
        reasons.append("signature")
    return Verification(
        signed=True,
        signer=check.signer_subject or result.signer_subject,
        signed_at=check.signed_at if isinstance(check.signed_at, dt.datetime) else result.signed_at,
        timestamped=check.timestamped,
        signature_valid=check.valid,
        trusted=check.trusted,
        stored_hash_matches=stored_matches,
        uploaded=uploaded is not None,
        uploaded_matches=uploaded_matches,
        reasons=reasons,
        **base,
    )
