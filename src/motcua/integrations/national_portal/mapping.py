"""The national portal's field names and codes: the ONE place to change when the specification is corrected.

Names follow public implementations of the portal's dossier synchronisation (DongBoHoSoMC and its processing
steps); the official specification is not public (see /docs/integrations.md). Every value is a string, as
those implementations send them; dates are `yyyyMMddHHmmss` in Vietnam time, empty when unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

from motcua.accounts.models import Profile
from motcua.catalog.models import CopyKind, FeeCollection, FeeKind
from motcua.core.audit import AuditEvent
from motcua.dossiers.models import (
    NATIONAL_CHANNEL_CODE,
    NATIONAL_STATUS_CODE,
    ApplicantKind,
    Delivery,
    Dossier,
    DossierStep,
    Status,
)
from motcua.integrations.national_portal import links
from motcua.payments.models import PaymentRequest, PaymentState, Provider
from motcua.results.models import ResultDocument

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss

# Endpoints, relative to MOTCUA_NATIONAL_PORTAL_URL (unconfirmed: the gateway in front of the portal decides).
ENDPOINT_NEW = "dossiers/new"
ENDPOINT_UPDATE = "dossiers/update"
ENDPOINT_STEPS = "dossiers/steps"
ENDPOINTS = (ENDPOINT_NEW, ENDPOINT_UPDATE, ENDPOINT_STEPS)

STEPS_PER_CALL = 10
STEPS_LIST = "DanhSachQuaTrinhXuLy"  # the key of the list of steps in a steps call

# Answers: {"error_code": "0", "message": "..."}; "0" is success.
ERROR_CODE = "error_code"
MESSAGE = "message"
SUCCESS = "0"
ALREADY_EXISTS = "2"  # unconfirmed; the client also recognises the message below
ALREADY_EXISTS_MESSAGE = "đã tồn tại"

# Status 1-10 and channel 1/2/3: motcua.dossiers.models (domain.md §4).
STATUS_CODE: dict[str, int] = dict(NATIONAL_STATUS_CODE)
CHANNEL_CODE: dict[str, int] = dict(NATIONAL_CHANNEL_CODE)

# Subject kind: 1 citizen, 2 business, 3 state agency, 4 organisation or other.
SUBJECT_KIND: dict[str, int] = {ApplicantKind.CITIZEN: 1, ApplicantKind.BUSINESS: 2, ApplicantKind.ORGANISATION: 4}
# Result delivery: 0 in person, 1 post. An electronic result has no code of its own: 0 (unconfirmed).
DELIVERY_CODE: dict[str, int] = {Delivery.COUNTER: 0, Delivery.POST: 1, Delivery.ONLINE: 0}
# Fee kind: 1 ordinary fee or charge, 2 appraisal fee, 3 renewal fee (motcua has only phí / lệ phí).
FEE_KIND: dict[str, int] = {FeeKind.FEE: 1, FeeKind.CHARGE: 1}
# Collection: 1 at reception, 2 at supplement, 4 at result; a financial obligation is paid before the result.
FEE_COLLECTION: dict[str, int] = {
    FeeCollection.AT_RECEPTION: 1,
    FeeCollection.AT_SUPPLEMENT: 2,
    FeeCollection.AT_RESULT: 4,
    FeeCollection.ON_OBLIGATION: 4,
}
# Copy kinds: 0 original, 1 copy, 2 electronic.
COPY_KIND: dict[str, int] = {
    CopyKind.ORIGINAL: 0,
    CopyKind.CERTIFIED_COPY: 1,
    CopyKind.PHOTOCOPY: 1,
    CopyKind.ELECTRONIC: 2,
}
# Identity documents of the owner: 1 = 12-digit personal ID, 2 = 9-digit old ID.
ID_KIND_PERSONAL = 1
ID_KIND_OLD = 2
# Reused: 0 no, 1 yes, 2 reused from an earlier result (with the replacing result code).
REUSED_NO, REUSED_YES, REUSED_FROM_RESULT = 0, 1, 2
# Paid online: 0 no, 1 on the national payment platform, 2 through the province's gateway.
PAID_ONLINE: dict[str, int] = {Provider.PAYGOV: 1, Provider.VNPAY: 2, Provider.VIETQR: 2}

SUMMARY_MAX = 1000
OFFICER_MAX = 50


def portal_date(value: dt.datetime | None) -> str:
    """An aware instant as `yyyyMMddHHmmss` in Vietnam time; empty when None."""
    if value is None:
        return ""
    return value.astimezone(VIETNAM).strftime(DATE_FORMAT)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _identity_documents(number: str) -> list[dict[str, str]]:
    digits = number.strip()
    if digits.isdigit() and len(digits) == 12:
        return [{"LoaiDinhDanh": str(ID_KIND_PERSONAL), "SoDinhDanh": digits}]
    if digits.isdigit() and len(digits) == 9:
        return [{"LoaiDinhDanh": str(ID_KIND_OLD), "SoDinhDanh": digits}]
    return []


def _account_flags(dossier: Dossier) -> tuple[str, bool]:
    """(national account id, verified with the national e-identity) of an online dossier's account."""
    if dossier.account_id is None:
        return "", False
    profile = Profile.objects.filter(user_id=dossier.account_id).first()
    if profile is None:
        return str(dossier.account_id), False
    verified = profile.identity_source == Profile.IdentitySource.OIDC and profile.identity_verified
    return str(profile.id_number or dossier.account_id) if verified else str(dossier.account_id), verified


def _paid_online(dossier: Dossier) -> int:
    providers = PaymentRequest.objects.filter(dossier=dossier, state=PaymentState.SUCCEEDED).values_list(
        "provider", flat=True
    )
    codes = sorted({PAID_ONLINE[p] for p in providers if p in PAID_ONLINE})
    return codes[0] if codes else 0


def _documents(dossier: Dossier) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Electronic documents (TaiLieuNop) and paper ones (DanhSachTepDinhKemKhac, with their copy kind)."""
    files: list[dict[str, str]] = []
    paper: list[dict[str, Any]] = []
    for document in dossier.documents.all():
        files.append(
            {
                "TepDinhKemId": str(document.pk),
                "TenTepDinhKem": document.original_name,
                "IsDeleted": "0",
                "MaThanhPhanHoSo": document.component_code,
                "DuongDanTaiTepTin": links.document_link(document),  # signed, expiring; empty for paper
                "DuocSoHoa": _flag(document.digitised),
                "DuocTaiSuDung": str(REUSED_YES if document.reused else REUSED_NO),
                "DuocLayTuKhoDMQG": _flag(document.reused),  # reused documents come from the data store
                "MaKetQuaThayThe": "",
            }
        )
        if document.copy_kind != CopyKind.ELECTRONIC:
            paper.append(
                {"TenGiayTo": document.component_name, "SoLuong": 1, "LoaiGiayTo": COPY_KIND[document.copy_kind]}
            )
    return files, paper


def _fees(dossier: Dossier) -> list[dict[str, str]]:
    return [
        {
            "TenPhiLePhi": fee.name,
            "MaPhiLePhi": str(fee.pk),
            "HinhThucThu": str(FEE_COLLECTION.get(fee.collected_at, 1)),
            "Gia": str(fee.amount),
            "LoaiPhiLePhi": str(FEE_KIND.get(fee.kind, 1)),
        }
        for fee in dossier.fees.all()
    ]


def _supplement_rounds(dossier: Dossier) -> list[dict[str, Any]]:
    """Rounds from the audit trail: each request, answered by the next supplement (if any)."""
    rounds: list[dict[str, Any]] = []
    events = AuditEvent.objects.filter(
        stream=f"dossier:{dossier.pk}", action__in=["request_supplement", "supplement"]
    ).order_by("seq")
    for event in events:
        if event.action == "request_supplement":
            rounds.append(
                {
                    "HoSoBoSungId": len(rounds) + 1,
                    "NguoiYeuCauBoSung": event.actor_name,
                    "NoiDungBoSung": event.comment,
                    "NgayBoSung": portal_date(event.at),
                    "NguoiTiepNhanBoSung": "",
                    "NgayTiepNhanBoSung": "",
                    "TrangThaiBoSung": "0",
                    "NgayHenTraTruoc": "",  # not kept by the audit trail
                    "NgayHenTraMoi": "",
                }
            )
        elif rounds and rounds[-1]["TrangThaiBoSung"] == "0":
            rounds[-1].update(
                {
                    "NguoiTiepNhanBoSung": event.actor_name,
                    "NgayTiepNhanBoSung": portal_date(event.at),
                    "TrangThaiBoSung": "1",
                }
            )
    if rounds and dossier.original_due_at and dossier.due_at and dossier.original_due_at != dossier.due_at:
        rounds[-1]["NgayHenTraTruoc"] = portal_date(dossier.original_due_at)
        rounds[-1]["NgayHenTraMoi"] = portal_date(dossier.due_at)
    return rounds


def _results(dossier: Dossier) -> list[dict[str, str]]:
    return [
        {
            "TenGiayTo": result.title,
            "MaThanhPhanHoSo": "",
            "GiayToId": str(result.pk),
            "DuongDanTepTinKetQua": links.result_link(result),  # signed, expiring; empty until signed
            "MaGiayToKetQua": result.code,
        }
        for result in ResultDocument.objects.filter(dossier=dossier).order_by("pk")
    ]


def dossier_payload(dossier: Dossier) -> dict[str, Any]:
    """The dossier as the portal's new/update call wants it."""
    version = dossier.procedure_version
    account_id, verified = _account_flags(dossier)
    files, paper = _documents(dossier)
    owner_name = dossier.owner_name or dossier.applicant_name
    owner_id = dossier.owner_id_number or dossier.applicant_id_number
    summary = f"{version.name} - {owner_name}"[:SUMMARY_MAX]
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": version.name,
        "MaLinhVuc": version.field.code,
        "TenLinhVuc": version.field.name,
        "KenhThucHien": str(CHANNEL_CODE[dossier.channel]),
        "SoGiayToChuHoSo": owner_id,
        "ChuHoSo": owner_name,
        "LoaiDoiTuong": str(SUBJECT_KIND.get(dossier.applicant_kind, 4)),
        "MaDoiTuong": account_id,
        "ThongTinKhac": "",
        "Email": dossier.applicant_email,
        "Fax": "",
        "SoDienThoai": dossier.applicant_phone,
        "TrichYeuHoSo": summary,
        "NgayNopHoSo": portal_date(dossier.submitted_at),
        "NgayTiepNhan": portal_date(dossier.received_at),
        "NgayHenTra": portal_date(dossier.due_at),
        "NgayTra": portal_date(dossier.returned_at),
        "NgayKetThucXuLy": portal_date(dossier.finished_at),
        "NgayTuChoi": portal_date(dossier.finished_at) if dossier.status == Status.REJECTED else "",
        "TrangThaiHoSo": str(STATUS_CODE[dossier.status]),
        "HinhThuc": str(DELIVERY_CODE.get(dossier.delivery_method, 0)),
        "DonViXuLy": dossier.competent_agency.name,
        "NoiNopHoSo": dossier.receiving_agency.name,
        "GhiChu": dossier.outcome_reason[:SUMMARY_MAX],
        "HoSoCoThanhPhanSoHoa": _flag(any(d.digitised for d in dossier.documents.all())),
        "TaiKhoanDuocXacThucVoiVNeID": _flag(verified),
        "DuocThanhToanTrucTuyen": str(_paid_online(dossier)),
        "DinhDanhCHS": _identity_documents(owner_id),
        "TaiLieuNop": files,
        "DanhSachTepDinhKemKhac": paper,
        "DanhSachLePhi": _fees(dossier),
        "DanhSachHoSoBoSung": _supplement_rounds(dossier),
        "DanhSachGiayToKetQua": _results(dossier),
    }


def _officer(step: DossierStep) -> str:
    if step.assignee is None:
        return ""
    user = step.assignee.user
    name = user.get_full_name() or user.get_username()
    return name[:OFFICER_MAX]


def step_payload(dossier: Dossier, step: DossierStep) -> dict[str, str]:
    unit = step.unit.name if step.unit is not None else step.agency.name
    return {
        "MaHoSo": dossier.code,
        "NguoiXuLy": _officer(step),
        "ChucDanh": step.get_role_display(),
        "ThoiDiemXuLy": portal_date(step.finished_at or step.started_at),
        "PhongBanXuLy": unit,
        "NoiDungXuLy": step.name,
        "TrangThai": "1" if step.state == DossierStep.State.DONE else "0",
        "NgayBatDau": portal_date(step.started_at),
        "NgayKetThucTheoQuyDinh": portal_date(step.due_at),
    }


def step_payloads(dossier: Dossier) -> list[dict[str, str]]:
    """Every processing step of the dossier, in order (one per DossierStep row)."""
    steps = DossierStep.objects.filter(dossier=dossier).select_related("agency", "unit", "assignee__user")
    return [step_payload(dossier, step) for step in steps.order_by("sequence")]


def digest(payload: dict[str, Any]) -> str:
    """A short fingerprint of a step payload: a step is sent again only when what the portal sees changed."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
