"""Calendar API: GET /api/v1/calendar/due-date and /api/v1/calendar/non-working-days (api-contract.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from motcua.core.calendars import CalendarDay, OfficeHours

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
DUE = "/api/v1/calendar/due-date"
DAYS = "/api/v1/calendar/non-working-days"


def get(client: Any, path: str, **params: Any) -> Any:
    return client.get(f"{path}?{urlencode(params)}")


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


# --- due date -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "effective", "due"),
    [
        ("2026-03-02T09:00:00+07:00", "1", "working_days", "2026-03-02T09:00:00+07:00", "2026-03-03T09:00:00+07:00"),
        ("2026-03-02T09:00:00", "5", "working_days", "2026-03-02T09:00:00+07:00", "2026-03-09T09:00:00+07:00"),
        ("2026-03-02T09:00:00", "2.5", "working_hours", "2026-03-02T09:00:00+07:00", "2026-03-02T11:30:00+07:00"),
        ("2026-03-07T10:00:00+07:00", "1", "working_days", "2026-03-09T07:00:00+07:00", "2026-03-09T17:00:00+07:00"),
        ("2026-02-12T10:00:00+07:00", "3", "working_days", "2026-02-12T10:00:00+07:00", "2026-02-24T10:00:00+07:00"),
        ("2025-04-25T09:00:00+07:00", "1", "working_days", "2025-04-25T09:00:00+07:00", "2025-04-26T09:00:00+07:00"),
        ("2026-08-28T09:00:00+07:00", "1", "working_days", "2026-08-28T09:00:00+07:00", "2026-09-03T09:00:00+07:00"),
        ("2026-02-10T10:00:00+07:00", "7", "calendar_days", "2026-02-10T10:00:00+07:00", "2026-02-23T17:00:00+07:00"),
        ("2026-03-02T12:00:00+07:00", "0", "working_hours", "2026-03-02T13:30:00+07:00", "2026-03-02T13:30:00+07:00"),
    ],
)
def test_due_date(client, start, amount, unit, effective, due):
    body = ok(get(client, DUE, start=start, amount=amount, unit=unit))
    assert body == {"start": start[:19] + "+07:00", "effective_start": effective, "due_at": due}


@pytest.mark.parametrize(
    ("start", "echo"),
    [
        ("2026-03-02T02:00:00Z", "2026-03-02T09:00:00+07:00"),
        ("2026-03-02T11:00:00+09:00", "2026-03-02T09:00:00+07:00"),
        ("2026-03-02T09:00", "2026-03-02T09:00:00+07:00"),
        ("2026-03-02 09:00:00.250", "2026-03-02T09:00:00.250000+07:00"),
        ("2026-03-02", "2026-03-02T00:00:00+07:00"),
    ],
)
def test_start_in_any_form_is_echoed_in_vietnam_time(client, start, echo):
    body = ok(get(client, DUE, start=start, amount="0", unit="working_hours"))
    assert body["start"] == echo


def test_an_unencoded_plus_in_the_offset_is_understood(client):
    # "+07:00" typed into a URL arrives as " 07:00".
    body = ok(client.get(f"{DUE}?start=2026-03-02T09:00:00+07:00&amount=1&unit=working_days"))
    assert body["due_at"] == "2026-03-03T09:00:00+07:00"


def test_due_date_of_another_province_with_its_overrides(client):
    CalendarDay.objects.create(province_code="01", date=dt.date(2026, 3, 3), kind="day_off", reason="Nghỉ")
    OfficeHours.objects.create(province_code="52", year=2026, periods=[["07:30", "11:30"], ["13:00", "17:00"]])
    hanoi = ok(get(client, DUE, start="2026-03-02T09:00:00+07:00", amount="1", unit="working_days", province="01"))
    assert hanoi["due_at"] == "2026-03-04T09:00:00+07:00"
    here = ok(get(client, DUE, start="2026-03-02T07:00:00+07:00", amount="1", unit="working_hours"))
    assert (here["effective_start"], here["due_at"]) == ("2026-03-02T07:30:00+07:00", "2026-03-02T08:30:00+07:00")


def test_one_query_per_request(client, django_assert_num_queries):
    get(client, DUE, start="2026-03-02T09:00:00+07:00", amount="1", unit="working_days")
    with django_assert_num_queries(1):
        ok(get(client, DUE, start="2026-03-02T09:00:00+07:00", amount="1", unit="working_days"))
    with django_assert_num_queries(1):
        ok(get(client, DAYS, year=2026))


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "02/03/2026 09:00", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "2026-02-30T09:00:00", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "2026-03-02T09:00:00+25:00", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "2026-03-02T09:00\x00", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "9" * 500, "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "2026-03-02T09:00:00", "amount": "-1", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "abc", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "NaN", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "1e400", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "1.5", "unit": "calendar_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "1", "unit": "weeks"}, ["unit"]),
        ({"start": "2026-03-02T09:00:00", "amount": "1"}, ["unit"]),
        ({"start": "2026-03-02T09:00:00", "amount": "1", "unit": "working_days", "province": "Gia Lai"}, ["province"]),
        ({"start": "1999-12-31T09:00:00", "amount": "1", "unit": "working_days"}, ["start"]),
        ({"start": "2099-12-01T09:00:00", "amount": "100", "unit": "working_days"}, ["amount"]),
        ({"start": "2026-03-02T09:00:00", "amount": "36500", "unit": "working_days"}, ["amount"]),
        ({"amount": "-1", "unit": "weeks"}, ["start", "amount", "unit"]),
    ],
)
def test_due_date_refuses_bad_input(client, params, bad):
    body = problem(get(client, DUE, **params), 422)
    assert fields(body) == bad
    assert all(error["message"] for error in body["errors"])


def test_messages_are_in_vietnamese(client):
    body = problem(get(client, DUE, start="hôm qua", amount="1", unit="working_days"), 422)
    assert body["errors"] == [
        {"field": "start", "message": "Cần ngày giờ theo ISO 8601, ví dụ 2026-02-27T10:00:00+07:00."}
    ]
    body = problem(get(client, DUE, start="2026-03-02", amount="1.5", unit="calendar_days"), 422)
    assert body["errors"] == [{"field": "amount", "message": "Số ngày theo lịch phải là số nguyên."}]


def test_unknown_province_is_not_found(client):
    problem(get(client, DUE, start="2026-03-02T09:00:00", amount="1", unit="working_days", province="99"), 404)
    problem(get(client, DAYS, year=2026, province="99"), 404)


# --- non-working days ---------------------------------------------------------------------------------------


def test_non_working_days_2025(client):
    assert ok(get(client, DAYS, year=2025)) == [
        {"date": "2025-01-01", "reason": "Tết Dương lịch"},
        {"date": "2025-01-27", "reason": "29 Tết"},
        {"date": "2025-01-28", "reason": "Giao thừa Tết Nguyên Đán"},
        {"date": "2025-01-29", "reason": "Tết Nguyên Đán"},
        {"date": "2025-01-30", "reason": "Mùng hai Tết Nguyên Đán"},
        {"date": "2025-01-31", "reason": "Mùng ba Tết Nguyên Đán"},
        {"date": "2025-02-01", "reason": "Mùng bốn Tết Nguyên Đán"},
        {"date": "2025-04-07", "reason": "Ngày Giỗ Tổ Hùng Vương"},
        {"date": "2025-04-26", "reason": "Ngày làm việc bù (cho ngày nghỉ 02/05/2025)", "working": True},
        {"date": "2025-04-30", "reason": "Ngày Chiến thắng"},
        {"date": "2025-05-01", "reason": "Ngày Quốc tế Lao động"},
        {"date": "2025-05-02", "reason": "Ngày nghỉ (thay cho ngày 26/04/2025)"},
        {"date": "2025-09-01", "reason": "Quốc khánh"},
        {"date": "2025-09-02", "reason": "Quốc khánh"},
    ]


def test_non_working_days_2026_with_overrides(client):
    CalendarDay.objects.create(province_code="52", date=dt.date(2026, 3, 4), kind="day_off", reason="Nghỉ bầu cử")
    CalendarDay.objects.create(province_code="52", date=dt.date(2026, 3, 7), kind="working_day", reason="Làm bù")
    days = ok(get(client, DAYS, year=2026))
    assert [(day["date"], day.get("working", False)) for day in days] == [
        ("2026-01-01", False),
        ("2026-01-02", False),
        ("2026-01-10", True),
        ("2026-02-16", False),
        ("2026-02-17", False),
        ("2026-02-18", False),
        ("2026-02-19", False),
        ("2026-02-20", False),
        ("2026-03-04", False),
        ("2026-03-07", True),
        ("2026-04-26", False),
        ("2026-04-27", False),
        ("2026-04-30", False),
        ("2026-05-01", False),
        ("2026-08-22", True),
        ("2026-08-31", False),
        ("2026-09-01", False),
        ("2026-09-02", False),
        ("2026-11-24", False),
    ]
    assert days[8] == {"date": "2026-03-04", "reason": "Nghỉ bầu cử"}
    assert days[9] == {"date": "2026-03-07", "reason": "Làm bù", "working": True}
    assert days[-1] == {"date": "2026-11-24", "reason": "Ngày Văn hóa Việt Nam"}
    other = ok(get(client, DAYS, year=2026, province="01"))
    assert "2026-03-04" not in [day["date"] for day in other]


@pytest.mark.parametrize(
    "params",
    [{}, {"year": "1999"}, {"year": "2100"}, {"year": "abc"}, {"year": "2026.5"}, {"year": ""}],
)
def test_non_working_days_refuse_bad_year(client, params):
    assert fields(problem(get(client, DAYS, **params), 422)) == ["year"]


def test_province_must_be_two_digits(client):
    assert fields(problem(get(client, DAYS, year=2026, province="052"), 422)) == ["province"]


def test_schema_lists_the_calendar_endpoints(client):
    schema = ok(client.get("/api/v1/openapi.json"))
    assert "/api/v1/calendar/due-date" in schema["paths"]
    assert "/api/v1/calendar/non-working-days" in schema["paths"]
