"""The Decision 766 index, targets and the statistics endpoints (index, drill-down, targets, Biểu 06)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from openpyxl import load_workbook

from motcua.api.auth import issue_token
from motcua.dossiers.models import Dossier
from motcua.reports import index766, query, targets
from motcua.reports.models import Target
from tests.reports.conftest import LATER, MARCH, World

pytestmark = pytest.mark.django_db


def test_threshold_scoring() -> None:
    assert index766.score(None, 6, 100) == 0.0
    assert index766.score(100.0, 6, 100) == 6
    assert index766.score(60.0, 4, 80) == 3.0
    assert index766.score(25.0, 4, 50) == 2.0
    assert index766.score(95.0, 6, 90) == 6


def test_periods() -> None:
    assert index766.period_bounds("year", 2026) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert index766.period_bounds("quarter", 2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert index766.period_bounds("month", 2026, 2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(ValueError, match="quarter"):
        index766.period_bounds("quarter", 2026, 5)


def test_the_index_of_the_month(world: World, month: dict[str, Dossier]) -> None:
    index = index766.compute(query.Selection.of(world.department), *MARCH, today=LATER)
    by_code = {i.code: i for i in index.indicators}
    assert index.maximum == 100
    assert len(index.groups()) == 6
    # 2.1: early 2 + on time 0 + in progress within time 2 of resolved 5 + in progress 3
    assert (by_code["2.1"].numerator, by_code["2.1"].denominator, by_code["2.1"].ratio) == (4, 8, 50.0)
    assert by_code["2.1"].score == 10.0
    # 3.3: 2 online of 9 received, threshold 50 %: 22.22 × 4 / 50
    assert (by_code["3.3"].ratio, by_code["3.3"].score) == (22.22, 1.78)
    # 3.1: the one procedure is offered online (partial or full) → full points
    assert by_code["3.1"].ratio == 100.0 and by_code["3.1"].score == 4
    # 3.2: it had online dossiers
    assert (by_code["3.2"].numerator, by_code["3.2"].denominator) == (1, 1)
    # 3.6: 9 fee-bearing dossiers, none paid online
    assert (by_code["3.6"].numerator, by_code["3.6"].denominator, by_code["3.6"].score) == (0, 9, 0.0)
    # 5.4: 100 - (late 3/5 = 60 % + not satisfied 0 %) = 40, threshold 90: 40 × 6 / 90
    assert (by_code["5.4"].ratio, by_code["5.4"].score) == (40.0, 2.67)
    assert not by_code["1.4"].measured and by_code["1.4"].score == 0
    assert index.total == round(sum(i.score for i in index.indicators), 2)


@override_settings(MOTCUA_INDEX_766={"3.3": {"points": 8, "threshold": 25}})
def test_points_and_thresholds_are_settings(world: World, month: dict[str, Dossier]) -> None:
    index = index766.compute(query.Selection.of(world.department), *MARCH, today=LATER)
    online = next(i for i in index.indicators if i.code == "3.3")
    assert (online.points, online.threshold, online.score) == (8, 25, 7.11)


def test_gaps_to_targets_worst_first(world: World, month: dict[str, Dossier]) -> None:
    Target.objects.create(year=2026, indicator=Target.Indicator.ONLINE, value=Decimal(50))
    Target.objects.create(year=2026, agency=world.department, indicator=Target.Indicator.ON_TIME, value=Decimal(95))
    found = targets.gaps([world.department, world.other_department], 2026, *MARCH, today=LATER)
    rows = [(g.agency.code, g.indicator, g.actual, g.gap) for g in found]
    assert rows[0] == (world.other_department.code, "online_rate", None, -50.0)
    assert (world.department.code, "on_time_rate", 50.0, -45.0) in rows
    assert (world.department.code, "online_rate", 22.22, -27.78) in rows


def api(user: Any, path: str, **params: Any) -> Any:
    headers = {"authorization": f"Bearer {issue_token(user)}"} if user is not None else {}
    return Client().get(f"/api/v1/stats/{path}", params, headers=headers)


def test_index_endpoint(world: World, month: dict[str, Dossier]) -> None:
    response = api(world.monitor.user, "index", agency=world.department.code, period="month", year=2026, number=3)
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31" and body["maximum"] == 100
    assert [g["code"] for g in body["groups"]][:2] == ["transparency", "progress"]
    procedures = body["procedures"]
    assert procedures["total"] == 1 and procedures["with_online_dossier"] == 1
    assert procedures["online_full"] + procedures["online_partial"] == 1
    bad = api(world.monitor.user, "index", agency=world.department.code, period="quarter", year=2026, number=5)
    assert bad.status_code == 422
    assert api(world.officer.user, "index", agency=world.department.code, year=2026).status_code == 403


def test_drill_down_endpoint(world: World, month: dict[str, Dossier]) -> None:
    params = {"agency": world.department.code, "from": "2026-03-01", "to": "2026-03-31"}
    response = api(world.monitor.user, "drill-down", figure="resolved_late", **params)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["pages"] == 1
    assert {i["code"] for i in body["items"]} == {month["B"].code, month["H"].code, month["I"].code}
    assert api(world.monitor.user, "drill-down", figure="nonsense", **params).status_code == 422
    assert api(world.other_leader.user, "drill-down", figure="received", **params).status_code == 403
    assert api(None, "drill-down", figure="received", **params).status_code == 401


def test_form06_endpoint_xlsx(world: World, month: dict[str, Dossier]) -> None:
    params = {"agency": world.department.code, "from": "2026-03-01", "to": "2026-03-31"}
    response = api(world.monitor.user, "form06", format="xlsx", **params)
    assert response.status_code == 200
    assert "bieu-06-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    totals = [row for row in sheet.iter_rows(values_only=True) if row and row[1] == "Tổng cộng"]
    assert totals, "a total line"
    numbers = [v for v in totals[0] if isinstance(v, int | float)]
    # received total, online, counter or post, carried over, resolved, early, on time, late, in progress...
    assert numbers[:11] == [10, 2, 7, 1, 5, 2, 0, 3, 3, 2, 1]
    pdf = api(world.monitor.user, "form06", format="pdf", **params)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_targets_endpoint(world: World, month: dict[str, Dossier]) -> None:
    Target.objects.create(year=2026, indicator=Target.Indicator.ONLINE, value=Decimal(50))
    response = api(world.monitor.user, "targets", agency=world.committee.code, year=2026)
    assert response.status_code == 200
    assert all(row["target"] == 50.0 for row in response.json())


def test_selections_by_field_procedure_and_whole_scope(world: World, month: dict[str, Dossier]) -> None:
    field = world.version.field.code
    procedure = world.version.procedure.code
    base = {"agency": world.department.code, "from": "2026-03-01", "to": "2026-03-31"}
    by_field = api(world.monitor.user, "summary", field=field, **base).json()
    by_procedure = api(world.monitor.user, "summary", procedure=procedure, **base).json()
    assert by_field["received"]["total"] == by_procedure["received"]["total"] == 10
    assert api(world.monitor.user, "summary", field="khong-co", **base).status_code == 404
    assert api(world.monitor.user, "summary", procedure="9.999999", **base).status_code == 404
    # no agency: every agency the caller may see (the monitor: the whole province)
    everything = api(world.monitor.user, "drill-down", figure="received", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert everything.status_code == 200 and everything.json()["count"] == 9
    index = api(world.monitor.user, "index", period="month", year=2026, number=3)
    assert index.status_code == 200 and index.json()["agency"] is None
    # a leader without an agency sees their own agency's figures only; a citizen none
    mine = api(world.other_leader.user, "drill-down", figure="received", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert mine.json()["count"] == 0
    assert api(world.citizen, "index", year=2026).status_code == 403
