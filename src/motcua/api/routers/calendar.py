"""Working-time calendar (public): due dates and non-working days of a province (domain.md §5)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema
from pydantic import BeforeValidator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError

from motcua.core.calendars import calendar_for
from motcua.core.errors import FieldError, InvalidInput
from motcua.core.workingtime import FIRST_YEAR, LAST_YEAR, VN_TZ, CalendarRangeError

router = Router(tags=["calendar"])

# 36,500 days, 100 years of working days: enough for any procedure; larger amounts leave the calendar anyway.
MAX_AMOUNT = Decimal(36_500)
# "+07:00" sent unencoded in a query string arrives as " 07:00": put the plus sign back.
_SPACE_OFFSET = re.compile(r"^(.*\d) (\d{2}(?::?\d{2})?)$")


def _instant(value: Any) -> dt.datetime:
    """An ISO 8601 date and time; read in Asia/Ho_Chi_Minh when it has no offset."""
    if isinstance(value, str) and len(value) <= 64 and "\x00" not in value:
        text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=VN_TZ)
    raise PydanticCustomError(
        "datetime_iso",
        gettext("Cần ngày giờ theo ISO 8601, ví dụ 2026-02-27T10:00:00+07:00."),
    )


Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
ProvinceCode = Annotated[str, PydanticField(pattern=r"^\d{2}$", description="Mã tỉnh, thành phố (2 chữ số)")]


class DueDateParams(Schema):
    start: Instant = PydanticField(description="Thời điểm bắt đầu tính (tiếp nhận hợp lệ)")
    amount: Decimal = PydanticField(ge=0, le=MAX_AMOUNT, description="Độ dài thời hạn")
    unit: Literal["working_days", "working_hours", "calendar_days"]
    province: ProvinceCode | None = None


class NonWorkingDaysParams(Schema):
    year: int = PydanticField(ge=FIRST_YEAR, le=LAST_YEAR)
    province: ProvinceCode | None = None


class DueDateOut(Schema):
    start: str
    effective_start: str
    due_at: str


class NonWorkingDayOut(Schema):
    date: str
    reason: str
    working: bool | None = None


def _iso(value: dt.datetime) -> str:
    return value.astimezone(VN_TZ).isoformat()


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(detail=gettext("Một số giá trị không hợp lệ."), errors=[FieldError(field, message)])


@router.get("/calendar/due-date", response=DueDateOut, summary="Due instant of a period")
def due_date(request: HttpRequest, params: Query[DueDateParams]) -> dict[str, Any]:
    if params.unit == "calendar_days" and params.amount != params.amount.to_integral_value():
        raise _invalid("amount", gettext("Số ngày theo lịch phải là số nguyên."))
    calendar = calendar_for(params.province)
    try:
        effective = calendar.effective_start(params.start)
    except CalendarRangeError:
        message = gettext("Ngoài khoảng năm mà lịch hỗ trợ (%(first)s–%(last)s).")
        raise _invalid("start", message % {"first": FIRST_YEAR, "last": LAST_YEAR}) from None
    try:
        due = calendar.add(params.start, params.amount, params.unit)
    except CalendarRangeError:
        message = gettext("Hạn tính được nằm ngoài khoảng năm mà lịch hỗ trợ (%(first)s–%(last)s).")
        raise _invalid("amount", message % {"first": FIRST_YEAR, "last": LAST_YEAR}) from None
    return {"start": _iso(params.start), "effective_start": _iso(effective), "due_at": _iso(due)}


@router.get(
    "/calendar/non-working-days",
    response=list[NonWorkingDayOut],
    exclude_none=True,
    summary="Holidays and days off of a year, and weekend days turned into working days",
)
def non_working_days(request: HttpRequest, params: Query[NonWorkingDaysParams]) -> list[dict[str, Any]]:
    calendar = calendar_for(params.province)
    return [
        {"date": day.date.isoformat(), "reason": day.reason, "working": True if day.working else None}
        for day in calendar.non_working_days(params.year)
    ]
