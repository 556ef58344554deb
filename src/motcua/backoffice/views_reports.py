"""Thống kê: the statistics dashboard of the back office, its drill-down lists and Biểu 06 downloads.

The views parse the agency and the period, check `VIEW_REPORTS` on that agency, call `motcua.reports` and
render; every number comes from the maintained counters (`reports.query`, `reports.index766`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from motcua.backoffice import guard
from motcua.core.dbrouter import reading_from_replica
from motcua.dossiers.models import Dossier
from motcua.org import access
from motcua.org.models import Agency
from motcua.reports import charts, exports, index766, query, summary, targets
from motcua.reports.figures import Figures
from motcua.reports.models import Target

DRILL_PAGE_SIZE = 50
OVERDUE_LIST_SIZE = 20
DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]

PERIOD_KINDS = [
    ("month", _("Tháng")),
    ("quarter", _("Quý")),
    ("year", _("Năm")),
    ("range", _("Từ ngày đến ngày")),
]

#: what each drillable figure counts, for the title of its list
FIGURE_LABELS: dict[str, Any] = {
    "received": _("Hồ sơ tiếp nhận trong kỳ"),
    "received_online": _("Hồ sơ tiếp nhận trực tuyến"),
    "received_counter": _("Hồ sơ tiếp nhận trực tiếp"),
    "received_postal": _("Hồ sơ tiếp nhận qua bưu chính"),
    "carried_over": _("Hồ sơ từ kỳ trước chuyển qua"),
    "resolved": _("Hồ sơ đã giải quyết"),
    "resolved_early": _("Hồ sơ giải quyết trước hạn"),
    "resolved_on_time": _("Hồ sơ giải quyết đúng hạn"),
    "resolved_late": _("Hồ sơ giải quyết quá hạn"),
    "refused": _("Hồ sơ bị từ chối giải quyết"),
    "withdrawn": _("Hồ sơ rút"),
    "stopped": _("Hồ sơ dừng giải quyết"),
    "rejected": _("Hồ sơ không được tiếp nhận"),
    "in_progress": _("Hồ sơ đang giải quyết"),
    "in_progress_within_time": _("Hồ sơ đang giải quyết trong hạn"),
    "in_progress_overdue": _("Hồ sơ đang giải quyết quá hạn"),
    "supplement_requests": _("Hồ sơ có yêu cầu bổ sung"),
    "multi_supplement": _("Hồ sơ yêu cầu bổ sung nhiều lần"),
    "rated": _("Hồ sơ được đánh giá"),
    "not_satisfied": _("Hồ sơ được đánh giá không hài lòng"),
    "with_fees": _("Hồ sơ có phí, lệ phí"),
    "paid_online": _("Hồ sơ thanh toán trực tuyến"),
    "electronic_result": _("Hồ sơ có kết quả điện tử"),
    "digitised": _("Hồ sơ được số hóa"),
    "reused": _("Hồ sơ tái sử dụng dữ liệu số hóa"),
    "data_store": _("Hồ sơ sử dụng kho dữ liệu cá nhân"),
    "population_data": _("Hồ sơ sử dụng dữ liệu dân cư"),
}


class PeriodForm(forms.Form):
    """Agency and period: a month, a quarter or a year, or any range of days."""

    agency = forms.ChoiceField(label=_("Cơ quan"))
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    kind = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=PERIOD_KINDS, required=False)
    year = forms.IntegerField(
        label=_("Năm"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": _("Nhập năm bằng số, ví dụ 2026."),
            "min_value": _("Năm phải từ 2000 đến 2100."),
            "max_value": _("Năm phải từ 2000 đến 2100."),
        },
    )
    number = forms.IntegerField(
        label=_("Tháng hoặc quý"),
        required=False,
        help_text=_("Tháng từ 1 đến 12, quý từ 1 đến 4; bỏ trống khi chọn cả năm."),
        error_messages={"invalid": _("Nhập số tháng (1–12) hoặc số quý (1–4).")},
    )

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = agencies
        from motcua.catalog.models import Field

        cast(forms.ChoiceField, self.fields["field"]).choices = [
            ("", _("Mọi lĩnh vực")),
            *Field.objects.order_by("name").values_list("code", "name"),
        ]
        for name, label in (("from", _("Từ ngày")), ("to", _("Đến ngày"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=DATE_INPUTS,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={"invalid": _("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 31/03/2026.")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if self.has_error("from") or self.has_error("to"):
            return data
        kind = data.get("kind") or ("range" if start or end else "year")
        data["kind"] = kind
        if kind == "range":
            if not start:
                self.add_error("from", _("Nhập ngày bắt đầu."))
            if not end:
                self.add_error("to", _("Nhập ngày kết thúc."))
            if start and end and start > end:
                self.add_error("to", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
            if start and end and start <= end:
                data["start"], data["end"] = start, end
            return data
        if self.has_error("year") or self.has_error("number"):
            return data
        year = data.get("year") or timezone.localdate().year
        number = data.get("number")
        if kind != "year" and number is None:
            self.add_error("number", _("Nhập số tháng hoặc số quý của kỳ báo cáo."))
            return data
        try:
            data["start"], data["end"] = index766.period_bounds(kind, year, number or 1)
        except ValueError:
            if kind == "month":
                self.add_error("number", _("Tháng phải từ 1 đến 12."))
            else:
                self.add_error("number", _("Quý phải từ 1 đến 4."))
        return data


#: the choice of the whole installation (every agency), offered to those who may see every agency's figures
PROVINCE = "*"


@dataclass
class Period:
    agency: Agency | None  # None: the whole province
    start: dt.date
    end: dt.date
    selection: query.Selection
    field_code: str = ""

    @property
    def name(self) -> str:
        return self.agency.name if self.agency is not None else str(_("Toàn tỉnh (mọi cơ quan)"))

    def query_string(self, **extra: str) -> str:
        return urlencode(
            {
                "agency": self.agency.code if self.agency else PROVINCE,
                **({"field": self.field_code} if self.field_code else {}),
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
                **extra,
            }
        )


def _highest(scope: QuerySet[Agency]) -> Agency:
    """The top of the scope: of the agencies whose parent is outside it, the one with most agencies under it
    (the provincial People's Committee for a monitor, the own agency for a leader), then the highest level."""
    agencies = list(scope)
    parents = {a.pk: a.parent_id for a in agencies}
    size = dict.fromkeys(parents, 0)
    for pk in parents:
        up = parents.get(pk)
        while up in size:
            size[up] += 1
            up = parents.get(up)
    roots = [a for a in agencies if a.parent_id not in parents] or agencies
    order = {value: i for i, value in enumerate(Agency.Level.values)}
    return min(roots, key=lambda a: (-size[a.pk], order.get(a.level, 9), a.name))


def _form(request: HttpRequest) -> tuple[PeriodForm, Agency | None, bool, frozenset[int]]:
    """The period form bound to the query (or to the defaults), the agency, whether the whole province
    was chosen and the agencies in scope; 403 for an agency outside the scope."""
    scope = access.agencies_in_scope(request.user, access.Permission.VIEW_REPORTS)
    in_scope = list(scope.order_by("level", "name"))
    if not in_scope:
        raise PermissionDenied
    agencies = [(a.code, a.name) for a in in_scope]
    everything = len(in_scope) == Agency.objects.count()
    if everything:
        agencies.insert(0, (PROVINCE, str(_("Toàn tỉnh (mọi cơ quan)"))))
    code = request.GET.get("agency", "").strip()
    if code == PROVINCE and not everything:
        raise PermissionDenied
    if code and code != PROVINCE:
        asked = Agency.objects.filter(code=code).first()
        if asked is not None and not access.can(request.user, access.Permission.VIEW_REPORTS, asked):
            raise PermissionDenied
    default = PROVINCE if everything else _highest(scope).code
    today = timezone.localdate()
    data: dict[str, Any] = {"agency": default, "kind": "year", "year": today.year}
    if request.GET:
        keys = ("agency", "field", "kind", "year", "number", "from", "to")
        data = {key: request.GET.get(key, "") for key in keys}
        data["agency"] = data["agency"] or default
    form = PeriodForm(data, agencies=agencies)
    agency = next((a for a in in_scope if a.code == data["agency"]), None)
    return form, agency, data["agency"] == PROVINCE, frozenset(a.pk for a in in_scope)


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    form, agency, province, scope = _form(request)
    if not form.is_valid() or (agency is None and not province) or "start" not in form.cleaned_data:
        return form, None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    from motcua.catalog.models import Field

    code = form.cleaned_data.get("field") or ""
    field_id = Field.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
    if agency is None:
        return form, Period(None, start, end, query.Selection(scope, field_id), code)
    return form, Period(agency, start, end, query.Selection.of(agency, field_id=field_id), code)


def _percent(value: float | None) -> str:
    return charts.format_value(value, charts.PERCENT)


def _number(value: float | None) -> str:
    return charts.format_value(value, "")


def _headline(period: Period, f: Figures) -> list[dict[str, Any]]:
    drill = reverse("backoffice:reports_drill")
    items = [
        (_("Hồ sơ tiếp nhận"), _number(f.received_in_period), "received"),
        (_("Tỷ lệ trực tuyến"), _percent(f.online_rate), "received_online"),
        (_("Tỷ lệ đúng hạn"), _percent(f.on_time_rate), "resolved"),
        (_("Đang giải quyết"), _number(f.in_progress), "in_progress"),
        (_("Quá hạn"), _number(f.in_progress_overdue), "in_progress_overdue"),
        (_("Số ngày giải quyết trung bình"), _number(f.average_processing_days), "resolved"),
        (
            _("Hài lòng (điểm trung bình / 18)"),
            _number(f.satisfaction_points),
            "rated",
        ),
    ]
    return [
        {"label": label, "value": value, "figure": name, "url": f"{drill}?{period.query_string(figure=name)}"}
        for label, value, name in items
    ]


def _province_target(year: int, indicator: str) -> float | None:
    target = Target.objects.filter(year=year, agency__isnull=True, indicator=indicator).first()
    return float(target.value) if target is not None else None


def _trend(period: Period) -> dict[str, Any]:
    last = min(period.end, timezone.localdate())
    months = query.last_months(12, today=last)
    monthly = query.monthly(period.selection, months)
    target = _province_target(last.year, Target.Indicator.ON_TIME)
    chart = charts.line_chart(
        [
            charts.Series(str(_("Tỷ lệ đúng hạn")), [f.on_time_rate for f in monthly], "chart-line-1"),
            charts.Series(str(_("Tỷ lệ trực tuyến")), [f.online_rate for f in monthly], "chart-line-2"),
        ],
        [month.strftime("%m/%Y") for month in months],
        title=str(_("Tỷ lệ đúng hạn và tỷ lệ trực tuyến, 12 tháng gần nhất")),
        target=target,
    )
    rows = [
        {"month": month.strftime("%m/%Y"), "on_time": _percent(f.on_time_rate), "online": _percent(f.online_rate)}
        for month, f in zip(months, monthly, strict=True)
    ]
    return {"chart": chart, "rows": rows, "target": _percent(target) if target is not None else None}


def _units(agency: Agency | None, selection: query.Selection) -> list[Agency]:
    """The agencies ranked under the chosen one: those of `province_units()` below it, else its children."""
    if agency is None:
        return index766.province_units()
    below = selection.agency_ids or frozenset()
    units = [u for u in index766.province_units() if u.pk in below and u.pk != agency.pk]
    return units or list(Agency.objects.filter(parent=agency).order_by("name"))


def _ranking(ranked: list[tuple[Agency, index766.Index]]) -> dict[str, Any]:
    rows = [
        {"rank": i, "agency": unit, "total": _number(index.total), "maximum": _number(index.maximum)}
        for i, (unit, index) in enumerate(ranked, start=1)
    ]
    chart = (
        charts.bar_chart(
            [(unit.name, index.total) for unit, index in ranked],
            title=str(_("Xếp hạng chỉ số phục vụ (Quyết định 766)")),
            unit="",
        )
        if ranked
        else ""
    )
    return {"rows": rows, "chart": chart}


def _overdue(period: Period) -> list[Dossier]:
    facts = query.drill_down(period.selection, "in_progress_overdue", period.start, period.end)
    ids = list(facts.order_by("due_day", "dossier_id").values_list("dossier_id", flat=True)[:OVERDUE_LIST_SIZE])
    return list(Dossier.objects.filter(pk__in=ids).select_related("procedure_version").order_by("due_at", "code"))


def _index_rows(index: index766.Index) -> list[dict[str, Any]]:
    return [
        {"name": group["name"], "score": _number(group["score"]), "points": _number(group["points"])}
        for group in index.groups()
    ]


@require_GET
@guard.staff_required
@reading_from_replica()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Thống kê: headline figures, trend, index 766, ranking, gaps to targets, overdue dossiers."""
    form, period = _period(request)
    if period is None:
        return render(request, "backoffice/reports/dashboard.html", {"form": form}, status=400)
    units = _units(period.agency, period.selection)
    # the units are ranked; the gaps to targets are those of the units and of the chosen agency
    judged = [period.agency, *units] if period.agency is not None else units
    overview = index766.overview(period.selection, judged, period.start, period.end)
    f, index = overview.figures, overview.index
    scored = list(zip(judged, overview.units, strict=True))
    ranked = index766.rank(scored[1:] if period.agency is not None else scored)
    gaps = targets.gaps_of(index766.rank(scored), period.end.year)
    context = {
        "form": form,
        "period": period,
        "headline": _headline(period, f),
        "trend": _trend(period),
        "index": {"total": _number(index.total), "maximum": _number(index.maximum), "groups": _index_rows(index)},
        "ranking": _ranking(ranked),
        "gaps": [
            {
                "agency": gap.agency,
                "label": gap.label,
                "target": _percent(float(gap.target)),
                "actual": _percent(gap.actual),
                "gap": _number(gap.gap),
                "met": gap.met,
            }
            for gap in gaps
        ],
        "overdue": _overdue(period),
        "query": period.query_string(),
    }
    return render(request, "backoffice/reports/dashboard.html", context)


@require_GET
@guard.staff_required
@reading_from_replica()
def drill_down(request: HttpRequest) -> HttpResponse:
    """The dossiers behind one figure of the dashboard, 50 per page."""
    figure = request.GET.get("figure", "")
    form, period = _period(request)
    if figure not in query.DRILL_FIGURES:
        return render(
            request,
            "backoffice/reports/drill_down.html",
            {"form": form, "error": _("Không có chỉ tiêu thống kê này.")},
            status=400,
        )
    if period is None:
        return render(request, "backoffice/reports/drill_down.html", {"form": form}, status=400)
    facts = query.drill_down(period.selection, figure, period.start, period.end)
    dossiers = (
        Dossier.objects.filter(pk__in=facts.values("dossier_id"))
        .select_related("procedure_version")
        .order_by("received_at", "code")
    )
    page = Paginator(dossiers, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/reports/drill_down.html",
        {
            "form": form,
            "period": period,
            "figure": figure,
            "label": FIGURE_LABELS.get(figure, figure),
            "page": page,
            "query": period.query_string(figure=figure),
            "dashboard_query": period.query_string(),
        },
    )


def _form06(request: HttpRequest) -> tuple[Any, Period | None, PeriodForm]:
    form, period = _period(request)
    if period is None:
        return None, None, form
    return summary.form06(agency=period.agency, start=period.start, end=period.end), period, form


def _file_name(period: Period, extension: str) -> str:
    code = period.agency.code if period.agency else "toan-tinh"
    return f"bieu-06-{code}-{period.start.isoformat()}-{period.end.isoformat()}.{extension}"


@require_GET
@guard.staff_required
@reading_from_replica()
def form06_xlsx(request: HttpRequest) -> HttpResponse:
    """Biểu 06 of the selected agency and period as a workbook."""
    form06, period, form = _form06(request)
    if period is None:
        return render(request, "backoffice/reports/dashboard.html", {"form": form}, status=400)
    response = HttpResponse(
        exports.form06_xlsx(form06),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name(period, "xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@guard.staff_required
@reading_from_replica()
def form06_pdf(request: HttpRequest) -> HttpResponse:
    """Biểu 06 of the selected agency and period as PDF."""
    form06, period, form = _form06(request)
    if period is None:
        return render(request, "backoffice/reports/dashboard.html", {"form": form}, status=400)
    response = HttpResponse(exports.form06_pdf(form06), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(period, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response
