"""Thống kê công khai: the province's figures for everyone, and the same figures as open data.

Aggregates of the whole installation only (no agency filter, no dossier lists, no personal data), read
from the maintained counters (on the read replica when there is one). Every answer is computed at most once per 5 minutes and language.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from motcua.core.dbrouter import reading_from_replica
from motcua.reports import charts, exports, index766, query
from motcua.reports.figures import Figures
from motcua.reports.models import Target

CACHE_SECONDS = 5 * 60
OPEN_DATA_MONTHS = 24
PROVINCE = query.Selection(None)


def _key(name: str) -> str:
    return f"portal:stats:{name}:{translation.get_language() or ''}"


def _percent(value: float | None) -> str:
    return charts.format_value(value, charts.PERCENT)


def _number(value: float | None) -> str:
    return charts.format_value(value, "")


def _figure_rows(periods: list[Figures]) -> list[dict[str, Any]]:
    lines = [
        (_("Hồ sơ tiếp nhận"), [_number(f.received_in_period) for f in periods]),
        (_("Tỷ lệ tiếp nhận trực tuyến"), [_percent(f.online_rate) for f in periods]),
        (_("Hồ sơ đã giải quyết"), [_number(f.resolved) for f in periods]),
        (_("Tỷ lệ giải quyết đúng hạn"), [_percent(f.on_time_rate) for f in periods]),
        (_("Điểm hài lòng trung bình (thang 18 điểm)"), [_number(f.satisfaction_points) for f in periods]),
    ]
    return [{"label": str(label), "values": values} for label, values in lines]


def _index_rows(indexes: list[index766.Index]) -> list[dict[str, Any]]:
    groups = [index.groups() for index in indexes]
    rows = []
    for position, group in enumerate(groups[0]):
        rows.append(
            {
                "name": group["name"],
                "values": [
                    {"score": _number(g[position]["score"]), "points": _number(g[position]["points"])} for g in groups
                ],
            }
        )
    return rows


def _context(today: dt.date) -> dict[str, Any]:
    months = query.last_months(12, today=today)
    year_start = today.replace(month=1, day=1)
    periods = [(year_start, today), (months[0], today)]
    figures = [query.figures(PROVINCE, start, end) for start, end in periods]
    indexes = [index766.from_parts(PROVINCE, start, end, f) for (start, end), f in zip(periods, figures, strict=True)]
    monthly = query.monthly(PROVINCE, months)
    target = Target.objects.filter(year=today.year, agency__isnull=True, indicator=Target.Indicator.ON_TIME).first()
    target_value = float(target.value) if target is not None else None
    labels = [month.strftime("%m/%Y") for month in months]
    chart = charts.line_chart(
        [
            charts.Series(str(_("Tỷ lệ đúng hạn")), [f.on_time_rate for f in monthly], "chart-line-1"),
            charts.Series(str(_("Tỷ lệ trực tuyến")), [f.online_rate for f in monthly], "chart-line-2"),
        ],
        labels,
        title=str(_("Tỷ lệ đúng hạn và tỷ lệ trực tuyến của tỉnh, 12 tháng gần nhất")),
        target=target_value,
    )
    return {
        "today": today,
        "periods": [{"start": start, "end": end} for start, end in periods],
        "figures": _figure_rows(figures),
        "index_totals": [{"total": _number(i.total), "maximum": _number(i.maximum)} for i in indexes],
        "index_rows": _index_rows(indexes),
        "chart": chart,
        "target": _percent(target_value) if target_value is not None else None,
        "trend": [
            {"month": label, "on_time": _percent(f.on_time_rate), "online": _percent(f.online_rate)}
            for label, f in zip(labels, monthly, strict=True)
        ],
        "licence": exports.LICENCE,
    }


@require_GET
@reading_from_replica()
def stats(request: HttpRequest) -> HttpResponse:
    """/thong-ke/: the province's figures this year so far and over the last 12 months."""
    context = cache.get(_key("page"))
    if context is None:
        context = _context(timezone.localdate())
        cache.set(_key("page"), context, CACHE_SECONDS)
    return render(request, "portal/stats.html", context)


def _open_data_rows() -> list[exports.OpenDataRow]:
    months = query.last_months(OPEN_DATA_MONTHS)
    return [
        exports.OpenDataRow(month=month.strftime("%Y-%m"), figures=figures)
        for month, figures in zip(months, query.monthly(PROVINCE, months), strict=True)
    ]


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@reading_from_replica()
def open_data_csv(request: HttpRequest) -> HttpResponse:
    """/thong-ke/du-lieu-mo.csv: the last 24 months, one row each (CC BY 4.0)."""
    body = cache.get(_key("csv"))
    if body is None:
        body = exports.open_data_csv(_open_data_rows())
        cache.set(_key("csv"), body, CACHE_SECONDS)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="du-lieu-mo.csv"'
    return _public(response)


@require_GET
@reading_from_replica()
def open_data_json(request: HttpRequest) -> HttpResponse:
    """/thong-ke/du-lieu-mo.json: the same rows, with the meaning of each field."""
    body = cache.get(_key("json"))
    if body is None:
        body = json.dumps(exports.open_data_json(_open_data_rows()), ensure_ascii=False, cls=DjangoJSONEncoder)
        cache.set(_key("json"), body, CACHE_SECONDS)
    return _public(HttpResponse(body.encode("utf-8"), content_type="application/json"))
