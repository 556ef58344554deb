"""Writes to electronic results: attach, generate, sign (and the approval gate).

Who may do what (docs/results.md):

- attach or generate a result: while the dossier is being processed (status "processing"), a holder of
  "process dossier" (specialist, division head, leader) on the competent agency, or the assignee of the
  current step;
- sign: a holder of "approve dossier" (the agency leader) on the competent agency, before or right after the
  approval (status "processing" or "processed"); signing uses the competent agency's key;
- when the setting ``MOTCUA_REQUIRE_SIGNED_RESULT`` is on, `dossier_approve_with_result` refuses to approve
  a granted dossier without a signed result.

A signed result is copied at once into the applicant's data store (kho dữ liệu cá nhân, source "result")
when the dossier belongs to an account, so it can be reused in later dossiers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.core import audit, outbox
from motcua.core.errors import Conflict, FieldError, InvalidInput, NotFound
from motcua.dossiers import official_forms
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, Outcome, Status, StoredDocument
from motcua.org import access
from motcua.results import signing
from motcua.results.models import ResultDocument

MAX_BYTES = 20 * 1024 * 1024
CODE_BYTES = 12  # 16 url-safe characters, 96 random bits
ATTACH_STATUSES = (Status.PROCESSING,)
SIGN_STATUSES = (Status.PROCESSING, Status.PROCESSED)


def verification_url(code: str) -> str:
    """The absolute address of the public verification page (printed as a QR code on the result)."""
    return f"{settings.MOTCUA_PUBLIC_URL}/verify/{code}/"


def _new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def _lock(dossier: Dossier) -> Dossier:
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("competent_agency", "procedure_version", "current_step")
        .filter(pk=dossier.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return locked


def _may_handle(user: Any, dossier: Dossier) -> bool:
    staff = access.staff_of(user)
    if staff is None:
        return False
    if access.can(user, access.Permission.PROCESS_DOSSIER, dossier.competent_agency):
        return True
    step = dossier.current_step
    return step is not None and step.assignee_id == staff.pk


def can_attach(user: Any, dossier: Dossier) -> bool:
    """Whether `user` may attach or generate a result for `dossier` now (same rule as the services)."""
    return dossier.status in ATTACH_STATUSES and _may_handle(user, dossier)


def can_sign(user: Any, dossier: Dossier) -> bool:
    return (
        dossier.status in SIGN_STATUSES
        and access.staff_of(user) is not None
        and access.can(user, access.Permission.APPROVE_DOSSIER, dossier.competent_agency)
    )


def _require_attach(actor: Any, dossier: Dossier) -> None:
    if not _may_handle(actor, dossier):
        raise PermissionDenied("results.attach")
    if dossier.status not in ATTACH_STATUSES:
        raise Conflict(_("Chỉ đính kèm kết quả khi hồ sơ đang được xử lý."))


def _record(dossier: Dossier, actor: Any, action: str, result: ResultDocument, **data: Any) -> None:
    audit.record(
        stream=dossier_services.stream(dossier),
        actor=actor,
        action=action,
        from_status=dossier.status,
        to_status=dossier.status,
        comment=result.title,
        data={"result": result.pk, "kind": result.kind, **data},
    )
    outbox.emit(
        f"result.{action.removeprefix('result_')}",
        subject=dossier.code,
        payload={"code": dossier.code, "result": result.pk, "kind": result.kind, **data},
    )


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput(detail=_("Thiếu trích yếu."), errors=[FieldError("title", _("Nhập trích yếu văn bản."))])
    return title[:500]


def _clean_kind(kind: str) -> str:
    if kind not in ResultDocument.Kind.values:
        raise InvalidInput(detail=_("Loại kết quả không hợp lệ."), errors=[FieldError("kind", _("Chọn loại kết quả."))])
    return kind


def _read_pdf(file: Any) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise InvalidInput(detail=_("Tệp quá lớn."), errors=[FieldError("file", _("Tệp không được quá 20 MB."))])
    data: bytes = file.read()
    if len(data) > MAX_BYTES:
        raise InvalidInput(detail=_("Tệp quá lớn."), errors=[FieldError("file", _("Tệp không được quá 20 MB."))])
    if not data.startswith(b"%PDF-") or not signing.is_readable_pdf(data):
        raise InvalidInput(detail=_("Kết quả phải là tệp PDF."), errors=[FieldError("file", _("Chọn một tệp PDF."))])
    return data


@transaction.atomic
def result_attach(
    *, dossier: Dossier, actor: Any, file: Any, title: str, kind: str = ResultDocument.Kind.DECISION
) -> ResultDocument:
    """Đính kèm kết quả: the processing officer uploads the result PDF (unsigned)."""
    dossier = _lock(dossier)
    _require_attach(actor, dossier)
    title, kind = _clean_title(title), _clean_kind(kind)
    data = _read_pdf(file)
    name = (getattr(file, "name", "") or "ket-qua.pdf").rsplit("/", 1)[-1][:255]
    result = ResultDocument(dossier=dossier, kind=kind, title=title, code=_new_code(), uploaded_by=actor)
    result.original_name = name
    result.file.save(f"{dossier.code}-{result.code}.pdf", ContentFile(data), save=False)
    result.save()
    _record(dossier, actor, "result_attach", result, sha256=hashlib.sha256(data).hexdigest())
    return result


def _letter_pdf(dossier: Dossier, result: ResultDocument, now: dt.datetime) -> bytes:
    agency = dossier.competent_agency
    with translation.override(official_forms.LANGUAGE):
        granted = dossier.outcome != Outcome.REFUSED
        html = render_to_string(
            "results/result_letter.html",
            {
                "title": result.title.upper(),
                "header": official_forms.agency_header(agency),
                "date_line": official_forms.date_line(agency, now),
                "dossier": dossier,
                "procedure": dossier.procedure_version.name,
                "applicant": dossier.applicant_name,
                "address": official_forms.applicant_address(dossier),
                "received_at": official_forms.short_datetime(dossier.received_at),
                "agency": agency.name,
                "granted": granted,
                "verify_url": verification_url(result.code),
                "qr": official_forms.qr_data_uri(verification_url(result.code)),
            },
        )
    return official_forms.html_to_pdf(html)


@transaction.atomic
def result_generate(
    *,
    dossier: Dossier,
    actor: Any,
    title: str = "",
    kind: str = ResultDocument.Kind.OTHER,
    at: dt.datetime | None = None,
) -> ResultDocument:
    """Tạo văn bản kết quả: a simple result letter (PDF) with the QR code of its verification page."""
    now = at or timezone.now()
    dossier = _lock(dossier)
    _require_attach(actor, dossier)
    with translation.override(official_forms.LANGUAGE):
        default_title = _("Thông báo kết quả giải quyết thủ tục hành chính")
    title, kind = _clean_title(title or default_title), _clean_kind(kind)
    result = ResultDocument(dossier=dossier, kind=kind, title=title, code=_new_code(), uploaded_by=actor)
    data = _letter_pdf(dossier, result, now)
    result.original_name = f"ket-qua-{dossier.code}.pdf"
    result.file.save(f"{dossier.code}-{result.code}.pdf", ContentFile(data), save=False)
    result.save()
    _record(dossier, actor, "result_generate", result, sha256=hashlib.sha256(data).hexdigest())
    return result


def _store_for_applicant(dossier: Dossier, result: ResultDocument, data: bytes) -> bool:
    """Copy a signed result into the applicant's data store (once per file content)."""
    if dossier.account_id is None:
        return False
    owner_id = dossier.account_id
    if StoredDocument.objects.filter(owner_id=owner_id, sha256=result.sha256).exists():
        return False
    stored = StoredDocument(
        owner_id=owner_id,
        name=result.title,
        original_name=result.original_name or f"ket-qua-{dossier.code}.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=result.sha256,
        source=StoredDocument.Source.RESULT,
        dossier=dossier,
    )
    stored.file.save(f"ket-qua-{dossier.code}-{result.code}.pdf", ContentFile(data), save=False)
    stored.save()
    return True


@transaction.atomic
def result_sign(*, result: ResultDocument, actor: Any, at: dt.datetime | None = None) -> ResultDocument:
    """Ký số: the competent agency's leader signs the result (PAdES) with the agency's certificate."""
    now = at or timezone.now()
    dossier = _lock(result.dossier)
    locked = ResultDocument.objects.select_for_update().filter(pk=result.pk, dossier=dossier).first()
    if locked is None:
        raise NotFound(_("Không tìm thấy văn bản kết quả."))
    if access.staff_of(actor) is None or not access.can(
        actor, access.Permission.APPROVE_DOSSIER, dossier.competent_agency
    ):
        raise PermissionDenied("results.sign")
    if locked.is_signed:
        raise Conflict(_("Văn bản kết quả đã được ký số."))
    if dossier.status not in SIGN_STATUSES:
        raise Conflict(_("Chỉ ký kết quả của hồ sơ đang xử lý hoặc vừa được phê duyệt."))
    agency = dossier.competent_agency
    with locked.file.open("rb") as handle:
        unsigned = handle.read()
    with translation.override(official_forms.LANGUAGE):
        reason = _("Ký phê duyệt kết quả hồ sơ %(code)s") % {"code": dossier.code}
    try:
        signed = signing.sign_pdf(
            unsigned, agency_code=agency.code, reason=reason, location=official_forms.place_name(agency)
        )
    except signing.SigningUnavailable as exc:
        raise Conflict(_("Cơ quan chưa có chứng thư số để ký (liên hệ quản trị hệ thống).")) from exc
    locked.sha256 = hashlib.sha256(signed.pdf).hexdigest()
    locked.signed_file.save(f"{dossier.code}-{locked.code}-signed.pdf", ContentFile(signed.pdf), save=False)
    locked.state = ResultDocument.State.SIGNED
    locked.signed_by = actor
    locked.signed_at = now
    locked.signer_subject = signed.signer_subject[:500]
    locked.timestamped = signed.timestamped
    locked.save()
    stored = _store_for_applicant(dossier, locked, signed.pdf)
    _record(dossier, actor, "result_sign", locked, sha256=locked.sha256, stored=stored)
    return locked


def dossier_approve_with_result(*, dossier: Dossier, actor: Any, outcome: str, **options: Any) -> Dossier:
    """Phê duyệt with the result gate: with ``MOTCUA_REQUIRE_SIGNED_RESULT`` on, a granted dossier needs a
    signed result first. Otherwise the same as `dossiers.services.dossier_approve`."""
    required = getattr(settings, "MOTCUA_REQUIRE_SIGNED_RESULT", False) and outcome == Outcome.GRANTED
    if required and not ResultDocument.objects.filter(dossier=dossier, state=ResultDocument.State.SIGNED).exists():
        raise Conflict(_("Cần ký số văn bản kết quả trước khi phê duyệt."))
    return dossier_services.dossier_approve(dossier=dossier, actor=actor, outcome=outcome, **options)
