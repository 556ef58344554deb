"""Procedures from the national procedure database (CSDL quốc gia về TTHC) into motcua's catalogue.

The national database publishes each procedure with Vietnamese keys (names below; reconstructed from public
exports, the official schema is not public: a correction changes this file only). `to_catalog_document`
turns a list of them into the `motcua-catalog/1` exchange document (docs/catalog-format.md), which
`catalog.exchange.import_document` validates row by row and imports all or nothing. The national data names
the implementing agency by name, not by the province's electronic identifier: the agencies come from a
code mapping (kind "agency", external code = the name) or from the `agencies` given to the import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from motcua.integrations.inbound.models import CodeMapping

CODE = "MaTTHC"
NAME = "TenTTHC"
FIELD_CODE = "MaLinhVuc"
FIELD_NAME = "TenLinhVuc"
LEVELS = "CapThucHien"
SUBJECTS = "DoiTuongThucHien"
STEPS = "TrinhTuThucHien"
STEP_NAME = "TenTrinhTu"
WAYS = "CachThucThucHien"
WAY_CHANNEL = "Kenh"
WAY_TIME = "ThoiGianGiaiQuyet"
WAY_UNIT = "DonViTinh"
WAY_FEES = "PhiLePhi"
FEE_KIND = "LoaiPhi"
FEE_AMOUNT = "MucPhi"
FEE_NOTE = "MoTa"
COMPONENTS = "ThanhPhanHoSo"
COMPONENT_NAME = "TenGiayTo"
COMPONENT_ORIGINALS = "SoBanChinh"
COMPONENT_COPIES = "SoBanSao"
COMPONENT_TEMPLATE = "MauDon"
RESULTS = "KetQuaThucHien"
LEGAL_BASES = "CanCuPhapLy"
LEGAL_NUMBER = "SoKyHieu"
LEGAL_TITLE = "TrichYeu"
REQUIREMENTS = "YeuCauDieuKien"
AGENCIES = "CoQuanThucHien"
LEVEL_OF_SERVICE = "MucDo"  # 2, 3, 4 (older texts) or "toan trinh" / "mot phan"

CHANNELS = {"trực tiếp": "counter", "trực tuyến": "online", "dịch vụ bưu chính": "post", "bưu chính": "post"}
UNITS = {"ngày làm việc": "working_days", "giờ làm việc": "working_hours", "ngày": "calendar_days"}
COMPETENCE = {"cấp tỉnh": "province", "cấp xã": "commune", "cấp bộ": "central", "cấp trung ương": "central"}
SUBJECT_NAMES = {
    "công dân việt nam": "citizen",
    "người nước ngoài": "foreigner",
    "doanh nghiệp": "business",
    "tổ chức": "organisation",
    "hộ kinh doanh": "household_business",
    "hợp tác xã": "cooperative",
}
ONLINE_MODES = {"4": "full", "toàn trình": "full", "3": "partial", "một phần": "partial"}


def _text(value: Any) -> str:
    return str(value or "").strip()


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> Decimal | None:
    text = re.sub(r"[^\d,.]", "", _text(value)).replace(".", "").replace(",", ".")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _agencies(item: dict[str, Any], default: Sequence[str]) -> list[str]:
    found = []
    for name in _list(item.get(AGENCIES)):
        mapped = CodeMapping.objects.filter(kind=CodeMapping.Kind.AGENCY, external_code=_text(name)).first()
        if mapped is not None:
            found.append(mapped.local_code)
    return sorted(set(found)) or list(default)


def _procedure(item: dict[str, Any], agencies: Sequence[str]) -> dict[str, Any]:
    ways = [w for w in _list(item.get(WAYS)) if isinstance(w, dict)]
    methods = sorted(
        {CHANNELS[_text(w.get(WAY_CHANNEL)).lower()] for w in ways if _text(w.get(WAY_CHANNEL)).lower() in CHANNELS}
    )
    # the processing time of the first way that has one (the national data repeats it per channel)
    timed = next((w for w in ways if _number(w.get(WAY_TIME)) is not None), {})
    fees: dict[tuple[str, int], dict[str, Any]] = {}
    for way in ways:
        for fee in _list(way.get(WAY_FEES)):
            if not isinstance(fee, dict) or _number(fee.get(FEE_AMOUNT)) is None:
                continue
            kind = "le_phi" if "lệ phí" in _text(fee.get(FEE_KIND)).lower() else "phi"
            amount = int(_number(fee.get(FEE_AMOUNT)) or 0)
            key = (kind, amount)
            if key not in fees:
                name = _text(fee.get(FEE_NOTE)) or ("Lệ phí" if kind == "le_phi" else "Phí")
                fees[key] = {
                    "name": name[:500],
                    "kind": kind,
                    "amount": amount,
                    "online_amount": None,
                    "collected_at": "reception",
                    "note": "",
                }
    components = []
    for index, component in enumerate(c for c in _list(item.get(COMPONENTS)) if isinstance(c, dict)):
        originals = int(_number(component.get(COMPONENT_ORIGINALS)) or 0)
        copies = int(_number(component.get(COMPONENT_COPIES)) or 0)
        kinds = (["original"] if originals else []) + (["photocopy"] if copies else [])
        components.append(
            {
                "code": f"TP{index + 1}",
                "name": _text(component.get(COMPONENT_NAME))[:500],
                "copy_kinds": kinds or ["original"],
                "quantity": max(originals + copies, 1),
                "required": True,
                "template_name": _text(component.get(COMPONENT_TEMPLATE))[:255],
            }
        )
    steps = [_text(s.get(STEP_NAME)) if isinstance(s, dict) else _text(s) for s in _list(item.get(STEPS))]
    bases = [
        " ".join(p for p in (_text(b.get(LEGAL_NUMBER)), _text(b.get(LEGAL_TITLE))) if p)
        if isinstance(b, dict)
        else _text(b)
        for b in _list(item.get(LEGAL_BASES))
    ]
    online_mode = ONLINE_MODES.get(_text(item.get(LEVEL_OF_SERVICE)).lower(), "none")
    if online_mode == "none" and "online" in methods:
        online_mode = "partial"
    return {
        "code": _text(item.get(CODE)),
        "name": _text(item.get(NAME)),
        "field": _text(item.get(FIELD_CODE)),
        "status": "published",
        "subjects": sorted(
            {SUBJECT_NAMES[s] for s in (_text(x).lower() for x in _list(item.get(SUBJECTS))) if s in SUBJECT_NAMES}
        ),
        "competence_levels": sorted(
            {COMPETENCE[c] for c in (_text(x).lower() for x in _list(item.get(LEVELS))) if c in COMPETENCE}
        ),
        "agencies": _agencies(item, agencies),
        "steps": [s for s in steps if s],
        "methods": methods,
        "processing_time": {
            "value": _number(timed.get(WAY_TIME)) if timed else None,
            "unit": UNITS.get(_text(timed.get(WAY_UNIT)).lower(), "working_days") if timed else "working_days",
        },
        "local_time": None,
        "result": "; ".join(_text(r) for r in _list(item.get(RESULTS)) if _text(r)),
        "legal_bases": [b for b in bases if b],
        "requirements": _text(item.get(REQUIREMENTS)),
        "online_mode": online_mode,
        "online_only": False,
        "any_reception_point": False,
        "components": components,
        "fees": list(fees.values()),
    }


def to_catalog_document(items: Sequence[dict[str, Any]], *, agencies: Sequence[str] = ()) -> dict[str, Any]:
    """The `motcua-catalog/1` document of national procedures (validated later by the catalogue import)."""
    procedures = [_procedure(item, agencies) for item in items if isinstance(item, dict)]
    fields = {}
    for item in items:
        if isinstance(item, dict) and _text(item.get(FIELD_CODE)):
            fields[_text(item.get(FIELD_CODE))] = _text(item.get(FIELD_NAME)) or _text(item.get(FIELD_CODE))
    return {
        "format": "motcua-catalog/1",
        "fields": [{"code": code, "name": name} for code, name in sorted(fields.items())],
        "procedures": procedures,
    }
