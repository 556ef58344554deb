"""Official forms of the one-stop mechanism (biểu mẫu, TT 01/2018/TT-VPCP) as A5 PDF documents.

01 receipt and appointment · 02 supplement request · 03 refusal at reception · 04 apology and new
appointment · 05 processing control sheet · the result hand-over record (biên bản giao nhận). Each form is
a Django template under ``templates/dossiers/official/`` rendered to PDF with WeasyPrint. Everything a
form shows comes from the dossier, its steps and its audit trail, so a form printed again later says what
it said when it was issued.

Forms are legal documents: they are always rendered in Vietnamese, times in Asia/Ho_Chi_Minh. Rendering
fetches nothing: the only resources allowed are ``data:`` URIs (the QR code of the receipt).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from motcua.core.audit import AuditEvent
from motcua.core.errors import NotFound
from motcua.core.money import amount_in_words, vnd
from motcua.dossiers import selectors
from motcua.dossiers.models import Delivery, Dossier, DossierStep, Outcome, Status, Timeliness
from motcua.org.models import Agency

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LANGUAGE = "vi"
SHORT_FORMAT = "%d/%m/%Y %H:%M"

FORMS: dict[str, Promise] = {
    "01": _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "02": _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": _("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "04": _("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "05": _("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
    "handover": _("Biên bản giao nhận kết quả giải quyết thủ tục hành chính"),
}

TEMPLATES: dict[str, str] = {form: f"dossiers/official/form_{form}.html" for form in FORMS}

# administrative-unit kinds dropped from the place name of the date line ("Gia Lai, ngày ...")
_PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Xã ", "Thị trấn ")


# ---- formatting helpers (shared with the tracking book) ---------------------------------------------------


def local(value: dt.datetime) -> dt.datetime:
    """An aware instant in Vietnam time."""
    return timezone.localtime(value, LOCAL_ZONE)


def _month(month: int) -> str:
    # NĐ 30/2020: days below 10 and the months January and February take a leading zero
    return f"{month:02d}" if month <= 2 else str(month)


def long_date(value: dt.date | dt.datetime) -> str:
    """'ngày 02 tháng 3 năm 2026'."""
    day = local(value).date() if isinstance(value, dt.datetime) else value
    return gettext("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{day.day:02d}",
        "month": _month(day.month),
        "year": day.year,
    }


def time_and_date(value: dt.datetime) -> str:
    """'09 giờ 00 phút, ngày 09 tháng 3 năm 2026'."""
    moment = local(value)
    return gettext("%(hour)s giờ %(minute)s phút, %(date)s") % {
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "date": long_date(moment),
    }


def short_datetime(value: dt.datetime | None) -> str:
    """'02/03/2026 09:00', or '' for no value."""
    return local(value).strftime(SHORT_FORMAT) if value is not None else ""


def place_name(agency: Agency) -> str:
    unit = agency.administrative_unit
    name = unit.name if unit is not None else ""
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def date_line(agency: Agency, value: dt.date | dt.datetime) -> str:
    """'Gia Lai, ngày 02 tháng 3 năm 2026' (the place is the agency's administrative unit)."""
    place = place_name(agency)
    return f"{place}, {long_date(value)}" if place else _capitalised(long_date(value))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Header:
    """The left column of the national header: the parent agency and the issuing agency, upper case."""

    parent: str
    agency: str


def agency_header(agency: Agency) -> Header:
    parent = agency.parent.name.upper() if agency.parent is not None else ""
    return Header(parent=parent, agency=agency.name.upper())


def timeliness_label(value: str) -> str:
    """'Trước hạn' / 'Đúng hạn' / 'Quá hạn' for a Timeliness value; '' when not classified."""
    return str(Timeliness(value).label) if value else ""


def step_timeliness(step: DossierStep) -> str:
    """Early / on time / late of one step of the process, judged at the day.

    Late when finished after its due instant; early when finished on an earlier day than the due day; on
    time otherwise (also for steps without an allotted time). An unfinished step has no status yet.
    """
    if step.finished_at is None:
        return ""
    if step.due_at is None:
        return timeliness_label(Timeliness.ON_TIME)
    if step.finished_at > step.due_at:
        return timeliness_label(Timeliness.LATE)
    if local(step.finished_at).date() < local(step.due_at).date():
        return timeliness_label(Timeliness.EARLY)
    return timeliness_label(Timeliness.ON_TIME)


def public_lookup_url(dossier: Dossier) -> str:
    """The absolute address of the public status page of the dossier (the receipt's QR code)."""
    return f"{settings.MOTCUA_PUBLIC_URL}/tra-cuu/?{urlencode({'code': dossier.code})}"


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as a PNG ``data:`` URI (nothing written to disk)."""
    return str(segno.make(text, error="m", micro=False).png_data_uri(scale=4, border=2))


def _refuse_all_but_data_uris() -> Any:
    return URLFetcher(allowed_protocols=("data",), timeout=1, allow_redirects=False)


_per_thread = threading.local()


def _font_config() -> Any:
    """One font configuration per thread: setting one up costs about half of a render."""
    config = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF bytes; the document may not load anything but ``data:`` URIs."""
    document = HTML(string=html, base_url=None, url_fetcher=_refuse_all_but_data_uris())
    return bytes(document.write_pdf(font_config=_font_config()))


# ---- which forms a dossier has ------------------------------------------------------------------------------

_EVENT_FORMS = {"request_supplement": "02", "return_result": "handover"}


def available_forms(dossier: Dossier) -> list[str]:
    """The forms issued for this dossier so far, in the order of FORMS."""
    actions = set(
        selectors.history(dossier).filter(action__in=list(_EVENT_FORMS)).values_list("action", flat=True).distinct()
    )
    present = {_EVENT_FORMS[action] for action in actions}
    if dossier.received_at is not None:
        present |= {"01", "05"}
    if dossier.status == Status.REJECTED:
        present.add("03")
    if dossier.extended_at is not None:
        present.add("04")
    return [form for form in FORMS if form in present]


# ---- the contents of each form -----------------------------------------------------------------------------


def _last(events: list[AuditEvent], action: str) -> AuditEvent | None:
    found = [e for e in events if e.action == action]
    return found[-1] if found else None


def _instant(value: Any, fallback: dt.datetime | None) -> dt.datetime | None:
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return fallback
    return fallback


def applicant_address(dossier: Dossier) -> str:
    """Street line, ward and province of the applicant."""
    parts = [dossier.applicant_address.strip()]
    ward = dossier.applicant_ward
    if ward is not None:
        parts.append(ward.name)
        if ward.parent is not None:
            parts.append(ward.parent.name)
    return ", ".join(part for part in parts if part)


def _delivery(dossier: Dossier) -> str:
    method = str(dossier.get_delivery_method_display())
    if dossier.delivery_method == "post" and dossier.delivery_address:
        return f"{method}: {dossier.delivery_address}"
    return method


def _processing_time(dossier: Dossier) -> str:
    version = dossier.procedure_version
    value: Decimal = version.local_time_value or version.processing_time_value
    unit = version.local_time_unit if version.local_time_value else version.processing_time_unit
    labels = {
        "working_days": gettext("ngày làm việc"),
        "working_hours": gettext("giờ làm việc"),
        "calendar_days": gettext("ngày"),
    }
    figure = f"{value.normalize():f}".replace(".", ",")
    return f"{figure} {labels.get(unit, unit)}"


def _fees(dossier: Dossier) -> dict[str, Any]:
    fees = list(dossier.fees.all())
    lines = [{"name": fee.name, "amount": vnd(fee.amount), "words": amount_in_words(fee.amount)} for fee in fees]
    total = sum(fee.amount for fee in fees)
    return {"lines": lines, "total": vnd(total), "total_words": amount_in_words(total), "several": len(lines) > 1}


def _received_components(dossier: Dossier, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Components received at reception: documents of the submission and of supplements asked before it."""
    receive = _last(events, "receive")
    rounds = len([e for e in events if e.action == "request_supplement" and (receive is None or e.seq < receive.seq)])
    groups: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
    for document in dossier.documents.filter(supplement_round__lte=rounds).order_by("component_code", "pk"):
        key = (document.component_code, document.copy_kind)
        if key not in groups:
            groups[key] = {
                "name": document.component_name,
                "copy_kind": str(document.get_copy_kind_display()),
                "count": 0,
            }
        groups[key]["count"] += 1
    return list(groups.values())


def _common(dossier: Dossier, form: str, issuer: Agency, issued_at: dt.datetime) -> dict[str, Any]:
    return {
        "form": form,
        "title": str(FORMS[form]).upper(),
        "header": agency_header(issuer),
        "date_line": date_line(issuer, issued_at),
        "dossier": dossier,
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "applicant": {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": applicant_address(dossier),
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "receiving_agency": dossier.receiving_agency.name,
        "competent_agency": dossier.competent_agency.name,
    }


def _form_01(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    assert dossier.received_at is not None
    receive = _last(events, "receive")
    due = _instant(receive.data.get("due_at") if receive else None, dossier.original_due_at or dossier.due_at)
    url = public_lookup_url(dossier)
    return {
        **_common(dossier, "01", dossier.receiving_agency, dossier.received_at),
        "components": _received_components(dossier, events),
        "sets": 1,
        "processing_time": _processing_time(dossier),
        "received": time_and_date(dossier.received_at),
        "due": time_and_date(due) if due is not None else "",
        "delivery": _delivery(dossier),
        "fees": _fees(dossier),
        "officer": receive.actor_name if receive else "",
        "lookup_url": url,
        "qr": qr_data_uri(url),
    }


def _form_02(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    event = _last(events, "request_supplement")
    assert event is not None
    names = dict(dossier.procedure_version.components.values_list("code", "name"))
    codes = event.data.get("components") or []
    return {
        **_common(dossier, "02", dossier.receiving_agency, event.at),
        "requested": [names.get(code, code) for code in codes],
        "reason": event.comment,
        "officer": event.actor_name,
        "phone": dossier.receiving_agency.phone,
    }


def _form_03(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    event = _last(events, "reject")
    issued = event.at if event else (dossier.finished_at or dossier.submitted_at)
    return {
        **_common(dossier, "03", dossier.receiving_agency, issued),
        "reason": dossier.outcome_reason or (event.comment if event else ""),
        "officer": event.actor_name if event else "",
    }


def _form_04(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    assert dossier.extended_at is not None
    event = _last(events, "extend")
    old_due = _instant(event.data.get("old_due_at") if event else None, dossier.original_due_at)
    new_due = _instant(event.data.get("new_due_at") if event else None, dossier.due_at)
    received = dossier.received_at or dossier.submitted_at
    return {
        # the apology is the competent agency's, under its leader's signature
        **_common(dossier, "04", dossier.competent_agency, dossier.extended_at),
        "received_date": _capitalised(long_date(received)),
        "old_due": time_and_date(old_due) if old_due else "",
        "new_due": time_and_date(new_due) if new_due else "",
        "reason": event.comment if event else dossier.extension_reason,
        "signer": event.actor_name if event else "",
    }


def _staff_name(step: DossierStep) -> str:
    return str(step.assignee) if step.assignee is not None else ""


@dataclass(frozen=True)
class Party:
    """One side of a hand-over on the control sheet: a step (or the applicant), its agency, the person."""

    label: str
    agency: str
    person: str


@dataclass(frozen=True)
class ControlRow:
    """One hand-over of the processing control sheet (form 05)."""

    number: int
    giver: Party
    receiver: Party
    handed_at: str
    due: str
    finished: str
    status: str
    sent_back: bool = False


def control_sheet_rows(dossier: Dossier, events: list[AuditEvent] | None = None) -> list[ControlRow]:
    """Every hand-over of the dossier: from the applicant to reception, step to step, and the return.

    The giver is the step that handed the dossier over and the person who did it (the author of the audit
    event at that instant, else the step's assignee); the receiver is the next step, its agency and its
    assignee (or unit). Times are 'dd/mm/yyyy HH:MM' in Vietnam time; the status is the step's timeliness.
    """
    if events is None:
        events = list(selectors.history(dossier))
    steps = list(dossier.steps.select_related("agency", "unit", "assignee__user").order_by("sequence"))
    handed_by = {e.at: e.actor_name for e in events if e.action != "submit" and e.actor_name}
    rows: list[ControlRow] = []
    previous: DossierStep | None = None
    for step in steps:
        if previous is None:
            giver = Party(gettext("Người nộp hồ sơ"), "", dossier.applicant_name)
        else:
            person = handed_by.get(step.started_at) or _staff_name(previous)
            giver = Party(previous.name, previous.agency.name, person)
        receiver_person = _staff_name(step) or (step.unit.name if step.unit is not None else "")
        rows.append(
            ControlRow(
                number=len(rows) + 1,
                giver=giver,
                receiver=Party(step.name, step.agency.name, receiver_person),
                handed_at=short_datetime(step.started_at),
                due=short_datetime(step.due_at),
                finished=short_datetime(step.finished_at),
                status=step_timeliness(step),
                sent_back=step.state == DossierStep.State.SENT_BACK,
            )
        )
        previous = step
    returned = _last(events, "return_result")
    if returned is not None and previous is not None:
        recipient = str(returned.data.get("recipient_name") or dossier.applicant_name)
        rows.append(
            ControlRow(
                number=len(rows) + 1,
                giver=Party(previous.name, previous.agency.name, returned.actor_name),
                receiver=Party(gettext("Người nhận kết quả"), "", recipient),
                handed_at=short_datetime(returned.at),
                due="",
                finished="",
                status="",
            )
        )
    return rows


def _form_05(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    assert dossier.received_at is not None
    return {
        **_common(dossier, "05", dossier.receiving_agency, dossier.received_at),
        "rows": control_sheet_rows(dossier, events),
        "received": time_and_date(dossier.received_at),
        "due": time_and_date(dossier.due_at) if dossier.due_at else "",
        "timeliness": timeliness_label(dossier.timeliness),
    }


def _form_handover(dossier: Dossier, events: list[AuditEvent]) -> dict[str, Any]:
    event = _last(events, "return_result")
    assert event is not None
    delivery = event.data.get("delivery") or dossier.delivery_method
    outcome = str(Outcome(dossier.outcome).label) if dossier.outcome else ""
    return {
        **_common(dossier, "handover", dossier.receiving_agency, event.at),
        "handed_at": time_and_date(event.at),
        "giver": event.actor_name,
        "recipient_name": event.data.get("recipient_name") or dossier.applicant_name,
        "recipient_id_number": event.data.get("recipient_id_number") or "",
        "delivery": _delivery_label(delivery),
        "note": event.comment,
        "outcome": outcome,
        "result": dossier.procedure_version.result,
        "finished": time_and_date(dossier.finished_at) if dossier.finished_at else "",
    }


def _delivery_label(value: str) -> str:
    return str(Delivery(value).label) if value in Delivery.values else value


_BUILDERS = {
    "01": _form_01,
    "02": _form_02,
    "03": _form_03,
    "04": _form_04,
    "05": _form_05,
    "handover": _form_handover,
}


def form_html(dossier: Dossier, form: str) -> str:
    """The HTML of a form (what `render_form` prints); NotFound when the dossier has no such form."""
    if form not in FORMS or form not in available_forms(dossier):
        raise NotFound(gettext("Hồ sơ không có biểu mẫu này."))
    with translation.override(LANGUAGE):
        events = list(selectors.history(dossier))
        context = _BUILDERS[form](dossier, events)
        return render_to_string(TEMPLATES[form], context)


def render_form(dossier: Dossier, form: str) -> bytes:
    """The official form `form` ("01".."05", "handover") of the dossier as PDF bytes (A5 portrait).

    Raises NotFound when the form is unknown or was not issued for this dossier (see `available_forms`).
    """
    return html_to_pdf(form_html(dossier, form))
