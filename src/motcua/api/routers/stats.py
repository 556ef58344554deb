"""Statistics (contract: `GET /api/v1/stats/summary`): the Biểu 06 figures of an agency and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from motcua.api.auth import client_bearer
from motcua.clients import scopes as client_scopes
from motcua.core.dbrouter import replica_reads
from motcua.core.errors import FieldError, InvalidInput, NotFound
from motcua.dossiers.models import Dossier
from motcua.org import access
from motcua.org.models import Agency
from motcua.reports import exports, index766, query, targets
from motcua.reports import summary as reports

router = Router(tags=["statistics"])
# every endpoint here only reads: the figures come from the read replica when there is one (auth stays on default)
router.add_decorator(replica_reads)
bearer = client_bearer("stats:read")  # staff with reporting rights, and API clients over their agencies

MAX_PERIOD_DAYS = 3 * 366
DRILL_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SummaryParams(Schema):
    agency: str = PydanticField(
        min_length=1, max_length=40, description="Mã định danh cơ quan (gồm cả các cơ quan trực thuộc)"
    )
    start: dt.date = PydanticField(alias="from", description="Từ ngày (YYYY-MM-DD)")
    end: dt.date = PydanticField(alias="to", description="Đến ngày (YYYY-MM-DD), tính cả ngày này")
    field: str | None = PydanticField(None, max_length=30, description="Mã lĩnh vực")
    procedure: str | None = PydanticField(None, max_length=60, description="Mã thủ tục")


class Received(Schema):
    total: int
    online: int
    counter_or_postal: int
    carried_over: int


class Resolved(Schema):
    total: int
    early: int
    on_time: int
    late: int


class InProgress(Schema):
    total: int
    within_time: int
    overdue: int


class SummaryOut(Schema):
    agency: str
    start: str = PydanticField(alias="from")
    end: str = PydanticField(alias="to")
    received: Received
    resolved: Resolved
    in_progress: InProgress
    on_time_rate: float
    online_rate: float


def _period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput(detail="The period ends before it starts.", errors=[FieldError("to", "before from")])
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(detail="The period is longer than three years.", errors=[FieldError("to", "too far")])


def _agency(request: HttpRequest, code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound("No agency with this code.")
    if not client_scopes.can_view_reports(request, agency):
        raise PermissionDenied(access.Permission.VIEW_REPORTS.value)
    return agency


class Scope(Schema):
    agency: str | None = PydanticField(
        None,
        max_length=40,
        description="Mã định danh cơ quan (gồm cả các cơ quan trực thuộc); bỏ trống: mọi cơ quan người gọi được xem",
    )
    field: str | None = PydanticField(None, max_length=30, description="Mã lĩnh vực")
    procedure: str | None = PydanticField(None, max_length=60, description="Mã thủ tục")


def _selection(request: HttpRequest, scope: Scope) -> tuple[Agency | None, query.Selection]:
    """The agency (None: every agency the caller may see) and the dossiers selected; 404 for unknown codes."""
    from motcua.catalog.models import Field, Procedure

    field_id = procedure_id = None
    if scope.field:
        field_id = Field.objects.filter(code=scope.field).values_list("pk", flat=True).first()
        if field_id is None:
            raise NotFound("No field with this code.")
    if scope.procedure:
        procedure_id = Procedure.objects.filter(code=scope.procedure).values_list("pk", flat=True).first()
        if procedure_id is None:
            raise NotFound("No procedure with this code.")
    if scope.agency:
        agency = _agency(request, scope.agency)
        return agency, query.Selection.of(agency, field_id=field_id, procedure_id=procedure_id)
    ids = client_scopes.report_agency_ids(request)
    if not ids:
        raise PermissionDenied(access.Permission.VIEW_REPORTS.value)
    return None, query.Selection(ids, field_id, procedure_id)


@router.get(
    "/stats/summary",
    response=SummaryOut,
    auth=bearer,
    by_alias=True,
    summary="Biểu 06: received, resolved, in progress, on-time and online rates",
)
def stats_summary(request: HttpRequest, params: Query[SummaryParams]) -> dict[str, Any]:
    _period(params.start, params.end)
    agency, selection = _selection(request, Scope(agency=params.agency, field=params.field, procedure=params.procedure))
    code = agency.code if agency is not None else params.agency
    return reports.as_contract(code, query.figures(selection, params.start, params.end))


class IndexParams(Scope):
    period: Literal["month", "quarter", "year"] = "year"
    year: int = PydanticField(ge=2000, le=2100)
    number: int = PydanticField(1, ge=1, le=12, description="Tháng (1–12) hoặc quý (1–4)")


class IndicatorOut(Schema):
    code: str
    group: str
    name: str
    numerator: float | None
    denominator: float | None
    ratio: float | None
    points: float
    threshold: float
    score: float
    measured: bool
    note: str
    drill_down: str | None


class GroupOut(Schema):
    code: str
    name: str
    score: float
    points: float
    indicators: list[IndicatorOut]


class IndexOut(Schema):
    agency: str | None
    start: str = PydanticField(alias="from")
    end: str = PydanticField(alias="to")
    total: float
    maximum: float
    groups: list[GroupOut]
    procedures: dict[str, int] = PydanticField(
        description="procedures under the competence: total, online_full, online_partial, with_online_dossier"
    )


@router.get(
    "/stats/index",
    response=IndexOut,
    auth=bearer,
    by_alias=True,
    summary="Decision 766 service-quality index of an agency for a month, quarter or year",
)
def stats_index(request: HttpRequest, params: Query[IndexParams]) -> dict[str, Any]:
    if params.period == "quarter" and params.number > 4:
        raise InvalidInput(detail="A year has four quarters.", errors=[FieldError("number", "1..4")])
    start, end = index766.period_bounds(params.period, params.year, params.number)
    agency, selection = _selection(request, params)
    return {"agency": agency.code if agency else None, **index766.compute(selection, start, end).as_dict()}


class DrillParams(Scope):
    start: dt.date = PydanticField(alias="from", description="Từ ngày (YYYY-MM-DD)")
    end: dt.date = PydanticField(alias="to", description="Đến ngày (YYYY-MM-DD), tính cả ngày này")
    figure: str = PydanticField(max_length=40, description="Tên chỉ số (received_online, resolved_late, ...)")
    page: int = PydanticField(1, ge=1, le=100_000)


class DrillItem(Schema):
    code: str
    procedure: str
    agency: str
    channel: str
    status: str
    received_at: str | None
    due_at: str | None
    finished_at: str | None


class DrillOut(Schema):
    figure: str
    count: int
    page: int
    pages: int
    items: list[DrillItem]


@router.get(
    "/stats/drill-down",
    response=DrillOut,
    auth=bearer,
    summary="The dossiers behind one figure of an agency and a period (50 a page)",
)
def stats_drill_down(request: HttpRequest, params: Query[DrillParams]) -> dict[str, Any]:
    _period(params.start, params.end)
    if params.figure not in query.DRILL_FIGURES:
        raise InvalidInput(detail="Unknown figure.", errors=[FieldError("figure", ", ".join(query.DRILL_FIGURES))])
    _, selection = _selection(request, params)
    facts = query.drill_down(selection, params.figure, params.start, params.end)
    count = facts.count()
    pages = max((count + DRILL_PAGE - 1) // DRILL_PAGE, 1)
    ids = list(
        facts.order_by("dossier_id").values_list("dossier_id", flat=True)[
            (params.page - 1) * DRILL_PAGE : params.page * DRILL_PAGE
        ]
    )
    dossiers = Dossier.objects.filter(pk__in=ids).select_related("procedure", "competent_agency").order_by("pk")

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    items = [
        {
            "code": d.code,
            "procedure": d.procedure.code,
            "agency": d.competent_agency.code,
            "channel": d.channel,
            "status": d.status,
            "received_at": iso(d.received_at),
            "due_at": iso(d.due_at),
            "finished_at": iso(d.finished_at),
        }
        for d in dossiers
    ]
    return {"figure": params.figure, "count": count, "page": params.page, "pages": pages, "items": items}


class TargetsParams(Schema):
    agency: str = PydanticField(max_length=40)
    year: int = PydanticField(ge=2000, le=2100)


class GapOut(Schema):
    agency: str
    agency_name: str
    indicator: str
    label: str
    target: float
    actual: float | None
    gap: float
    met: bool


@router.get(
    "/stats/targets",
    response=list[GapOut],
    auth=bearer,
    summary="Targets of the agencies under an agency for a year and the gap to them, largest shortfall first",
)
def stats_targets(request: HttpRequest, params: Query[TargetsParams]) -> list[dict[str, Any]]:
    agency = _agency(request, params.agency)
    start, end = index766.period_bounds("year", params.year)
    subtree = access.agency_subtree_ids([agency.pk])
    units = [u for u in index766.province_units() if u.pk in subtree] or [agency]
    return [gap.as_dict() for gap in targets.gaps(units, params.year, start, end)]


class Form06Params(SummaryParams):
    format: Literal["xlsx", "pdf"] = "xlsx"


@router.get(
    "/stats/form06",
    auth=bearer,
    summary="Biểu 06 (received, resolved, in progress by level and field) as XLSX or PDF",
    response={200: None},
)
def stats_form06(request: HttpRequest, params: Query[Form06Params]) -> HttpResponse:
    _period(params.start, params.end)
    agency = _agency(request, params.agency)
    form = reports.form06(agency=agency, start=params.start, end=params.end)
    if params.format == "pdf":
        body, kind = exports.form06_pdf(form), "application/pdf"
    else:
        body, kind = exports.form06_xlsx(form), XLSX
    response = HttpResponse(body, content_type=kind)
    name = f"bieu-06-{agency.code}-{params.start.isoformat()}-{params.end.isoformat()}.{params.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
