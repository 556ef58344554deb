"""Statistics (contract: `GET /api/v1/stats/summary`): the Biểu 06 figures of an agency and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from motcua.api.auth import bearer
from motcua.core.errors import FieldError, InvalidInput, NotFound
from motcua.org import access
from motcua.org.models import Agency
from motcua.reports import summary as reports

router = Router(tags=["statistics"])

MAX_PERIOD_DAYS = 3 * 366


class SummaryParams(Schema):
    agency: str = PydanticField(max_length=40, description="Mã định danh cơ quan (gồm cả các cơ quan trực thuộc)")
    start: dt.date = PydanticField(alias="from", description="Từ ngày (YYYY-MM-DD)")
    end: dt.date = PydanticField(alias="to", description="Đến ngày (YYYY-MM-DD), tính cả ngày này")


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


@router.get(
    "/stats/summary",
    response=SummaryOut,
    auth=bearer,
    by_alias=True,
    summary="Biểu 06: received, resolved, in progress, on-time and online rates",
)
def stats_summary(request: HttpRequest, params: Query[SummaryParams]) -> dict[str, Any]:
    if params.end < params.start:
        raise InvalidInput(detail="The period ends before it starts.", errors=[FieldError("to", "before from")])
    if (params.end - params.start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(detail="The period is longer than three years.", errors=[FieldError("to", "too far")])
    agency = Agency.objects.filter(code=params.agency).first()
    if agency is None:
        raise NotFound("No agency with this code.")
    if not access.can(request.user, access.Permission.VIEW_REPORTS, agency):
        raise PermissionDenied(access.Permission.VIEW_REPORTS.value)
    return reports.summary(agency=agency, start=params.start, end=params.end).as_contract()
