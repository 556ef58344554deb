"""Dossiers filed on the national public service portal enter motcua's reception queue.

`receive(payload)` keeps the payload first (its own transaction: nothing accepted is lost), then
`process()` maps the portal's procedure and agency codes to local ones, downloads the submitted files
(checked like any upload: size, content sniffing), and submits the dossier through `dossier_submit` with
channel online, where it waits for reception like any online dossier (8 working hours). A code without a
mapping leaves the dossier waiting (state `unmapped`, the codes listed); a dossier the local rules refuse
is `invalid` with the problems; both are processed again when received again or retried from the admin.
The field names of the payload are in `mapping.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.core.errors import DomainError
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Delivery, Upload
from motcua.dossiers.uploads import upload_create
from motcua.integrations.inbound import mapping
from motcua.integrations.inbound.models import CodeMapping, InboundDossier
from motcua.org.models import Agency

logger = logging.getLogger(__name__)

#: a downloaded file: (content, file name)
Fetched = tuple[bytes, str]
Fetcher = Callable[[str], Fetched]

NATIONAL_CODE = re.compile(r"^(\d\.\d{6})")


class FetchError(Exception):
    pass


def fetch_https(url: str) -> Fetched:
    """Download a submitted file from the portal (HTTPS only, unless DEBUG; at most MAX_UPLOAD_BYTES)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
        raise FetchError(f"refused scheme {parts.scheme!r}")
    limit = int(getattr(settings, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    request = urllib.request.Request(url, headers={"User-Agent": "motcua"})  # noqa: S310 (scheme checked above)
    timeout = float(getattr(settings, "MOTCUA_NATIONAL_PORTAL_TIMEOUT", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            content = response.read(limit + 1)
    except OSError as exc:
        raise FetchError(str(exc)) from exc
    if len(content) > limit:
        raise FetchError("file too large")
    return content, parts.path.rsplit("/", 1)[-1] or "tep"


@dataclass(frozen=True)
class Mapped:
    procedure: str | None
    agency: str | None
    problems: list[dict[str, str]]


def map_codes(payload: dict[str, Any]) -> Mapped:
    """The local procedure and agency codes of a payload, and what could not be mapped."""
    problems: list[dict[str, str]] = []
    external_procedure = str(payload.get(mapping.PROCEDURE_CODE) or "").strip()
    external_agency = str(payload.get(mapping.AGENCY_CODE) or "").strip()
    procedure = _procedure(external_procedure)
    if procedure is None:
        problems.append({"field": mapping.PROCEDURE_CODE, "code": external_procedure, "problem": "unmapped"})
    agency = _agency(external_agency)
    if agency is None:
        problems.append({"field": mapping.AGENCY_CODE, "code": external_agency, "problem": "unmapped"})
    return Mapped(procedure, agency, problems)


def _procedure(code: str) -> str | None:
    if not code:
        return None
    mapped = CodeMapping.objects.filter(kind=CodeMapping.Kind.PROCEDURE, external_code=code).first()
    if mapped is not None:
        return mapped.local_code
    # the national code may carry the agency's suffix (1.004889.000.00.00.H56) or the service's (.01/.02)
    match = NATIONAL_CODE.match(code)
    for candidate in (code, match.group(1) if match else ""):
        if candidate and Procedure.objects.filter(code=candidate).exists():
            return candidate
    return None


def _agency(code: str) -> str | None:
    if not code:
        return None
    mapped = CodeMapping.objects.filter(kind=CodeMapping.Kind.AGENCY, external_code=code).first()
    if mapped is not None:
        return mapped.local_code
    return code if Agency.objects.filter(code=code).exists() else None


def receive(payload: dict[str, Any], *, source: str = "dvcqg", fetch: Fetcher | None = None) -> InboundDossier:
    """Keep a dossier sent by the portal (once per code), then try to create it locally."""
    code = str(payload.get(mapping.DOSSIER_CODE) or "").strip()
    if not code or len(code) > 60:
        raise DomainError(f"{mapping.DOSSIER_CODE} is missing or too long")
    with transaction.atomic():
        inbound, created = InboundDossier.objects.select_for_update().get_or_create(
            source=source, external_code=code, defaults={"payload": payload}
        )
        if not created and inbound.state != InboundDossier.State.CREATED:
            inbound.payload = payload
            inbound.save(update_fields=["payload", "updated_at"])
    if inbound.state == InboundDossier.State.CREATED:
        return inbound  # already in the reception queue: a repeated delivery changes nothing
    return process(inbound, fetch=fetch)


def _applicant(payload: dict[str, Any]) -> dossier_services.ApplicantData:
    birth = str(payload.get(mapping.BIRTH_DATE) or "")
    birth_date = None
    if re.fullmatch(r"\d{8}", birth):
        try:
            birth_date = dt.datetime.strptime(birth, "%Y%m%d").date()
        except ValueError:
            birth_date = None
    return dossier_services.ApplicantData(
        kind=mapping.SUBJECT_KINDS.get(str(payload.get(mapping.SUBJECT_KIND) or "1"), "citizen"),
        full_name=str(payload.get(mapping.OWNER_NAME) or "").strip(),
        id_number=str(payload.get(mapping.OWNER_ID) or "").strip(),
        birth_date=birth_date,
        phone=str(payload.get(mapping.PHONE) or "").strip()[:20],
        email=str(payload.get(mapping.EMAIL) or "").strip(),
        address_line=str(payload.get(mapping.ADDRESS) or "").strip()[:255],
    )


def process(inbound: InboundDossier, *, fetch: Fetcher | None = None) -> InboundDossier:
    """Map, download and submit one inbound dossier; its state and problems say what happened."""
    payload = inbound.payload if isinstance(inbound.payload, dict) else {}
    mapped = map_codes(payload)
    inbound.attempts += 1
    if mapped.problems:
        return _finish(inbound, InboundDossier.State.UNMAPPED, mapped.problems)
    # files are downloaded before the transaction (a slow portal must not hold locks)
    files: list[tuple[str, Fetched]] = []
    problems: list[dict[str, str]] = []
    for document in payload.get(mapping.DOCUMENTS) or []:
        if not isinstance(document, dict):
            continue
        component = str(document.get(mapping.DOCUMENT_COMPONENT) or "")
        url = str(document.get(mapping.DOCUMENT_URL) or "")
        try:
            content, name = (fetch or fetch_https)(url)
        except FetchError as exc:
            problems.append({"field": mapping.DOCUMENT_URL, "code": component, "problem": str(exc)[:200]})
            continue
        files.append((component, (content, str(document.get(mapping.DOCUMENT_NAME) or name)[:200])))
    if problems:
        return _finish(inbound, InboundDossier.State.INVALID, problems)
    stored: list[Upload] = []
    raw_form = payload.get(mapping.FORM_DATA)
    form: dict[str, Any] = raw_form if isinstance(raw_form, dict) else {}
    try:
        with transaction.atomic():
            documents = []
            for component, (content, name) in files:
                upload = upload_create(owner=None, file=SimpleUploadedFile(name, content))
                stored.append(upload)
                documents.append(dossier_services.DocumentData(component=component, upload_id=upload.pk))
            data = dossier_services.SubmissionData(
                procedure=mapped.procedure or "",
                agency=mapped.agency or "",
                channel="online",
                applicant=_applicant(payload),
                form=form,
                documents=documents,
                delivery_method=Delivery.POST if str(payload.get(mapping.DELIVERY)) == "1" else Delivery.ONLINE,
            )
            dossier = dossier_services.dossier_submit(actor=None, data=data, at=timezone.now())
            inbound.dossier = dossier
            return _finish(inbound, InboundDossier.State.CREATED, [])
    except (DomainError, PermissionDenied) as exc:
        for upload in stored:  # the rows are rolled back; the stored files go too
            upload.file.storage.delete(upload.file.name)
        errors = getattr(exc, "errors", None) or []
        found = [{"field": e.field, "code": "", "problem": str(e.message)} for e in errors] or [
            {"field": "", "code": "", "problem": str(exc)}
        ]
        return _finish(inbound, InboundDossier.State.INVALID, found)


def _finish(inbound: InboundDossier, state: str, problems: list[dict[str, str]]) -> InboundDossier:
    inbound.state = state
    inbound.problems = problems
    inbound.save(update_fields=["state", "problems", "attempts", "dossier", "updated_at"])
    if problems:
        logger.warning("inbound dossier %s: %s %s", inbound.external_code, state, problems)
    return inbound


def retry(inbounds: Any, *, fetch: Fetcher | None = None) -> int:
    """Process again the dossiers not created yet (after a mapping was added); how many were created."""
    created = 0
    for inbound in inbounds.exclude(state=InboundDossier.State.CREATED).order_by("pk"):
        if process(inbound, fetch=fetch).state == InboundDossier.State.CREATED:
            created += 1
    return created
