"""Working-time arithmetic (motcua.core.workingtime): real 2025–2026 calendars and properties.

Dates are written in Vietnam time; "Mon 02/03/2026" style comments give the weekday to check by eye.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.workingtime import (
    DEFAULT_SCHEDULE,
    SWAPPED_DAYS,
    VN_TZ,
    CalendarRangeError,
    NonWorkingDay,
    WeeklySchedule,
    WorkingCalendar,
    national_days,
    period_seconds,
)

UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
HOUR = dt.timedelta(hours=1)
MICROSECOND = dt.timedelta(microseconds=1)
CALENDAR = WorkingCalendar.national()


def vn(text: str) -> dt.datetime:
    """'2026-03-02 09:00' in Vietnam time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- the national calendar ---------------------------------------------------------------------------------

NON_WORKING_2025 = [
    ("2025-01-01", False),  # Tết Dương lịch
    ("2025-01-27", False),  # Tết Nguyên đán: 27/01–31/01 (with the weekends, 25/01–02/02)
    ("2025-01-28", False),
    ("2025-01-29", False),
    ("2025-01-30", False),
    ("2025-01-31", False),
    ("2025-02-01", False),  # Mùng bốn Tết, a Saturday
    ("2025-04-07", False),  # Giỗ Tổ Hùng Vương (10/3 âm lịch)
    ("2025-04-26", True),  # Saturday worked for Friday 02/05
    ("2025-04-30", False),
    ("2025-05-01", False),
    ("2025-05-02", False),  # swapped with Saturday 26/04
    ("2025-09-01", False),  # Quốc khánh and its adjacent day
    ("2025-09-02", False),
]

NON_WORKING_2026 = [
    ("2026-01-01", False),
    ("2026-01-02", False),  # swapped with Saturday 10/01 (VPCP 12729/VPCP-KGVX; not in holidays 0.109)
    ("2026-01-10", True),
    ("2026-02-16", False),  # Tết Nguyên đán: 16/02–20/02 (with the weekends, 14/02–22/02)
    ("2026-02-17", False),
    ("2026-02-18", False),
    ("2026-02-19", False),
    ("2026-02-20", False),
    ("2026-04-26", False),  # Giỗ Tổ Hùng Vương, a Sunday
    ("2026-04-27", False),  # ... compensated on Monday
    ("2026-04-30", False),
    ("2026-05-01", False),
    ("2026-08-22", True),  # Saturday worked for Monday 31/08
    ("2026-08-31", False),
    ("2026-09-01", False),
    ("2026-09-02", False),
    ("2026-11-24", False),  # Ngày Văn hóa Việt Nam, from 2026
]


@pytest.mark.parametrize(("year", "expected"), [(2025, NON_WORKING_2025), (2026, NON_WORKING_2026)])
def test_non_working_days_of_the_year(year, expected):
    days = CALENDAR.non_working_days(year)
    assert [(day.date.isoformat(), day.working) for day in days] == expected
    assert all(day.reason for day in days)


def test_reasons_are_in_vietnamese():
    days = {day.date: day for day in CALENDAR.non_working_days(2026)}
    assert days[d("2026-02-17")] == NonWorkingDay(d("2026-02-17"), "Tết Nguyên Đán")
    assert days[d("2026-04-27")].reason == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert days[d("2026-11-24")].reason == "Ngày Văn hóa Việt Nam"
    assert days[d("2026-08-22")] == NonWorkingDay(
        d("2026-08-22"), "Ngày làm việc bù (cho ngày nghỉ 31/08/2026)", working=True
    )
    assert days[d("2026-01-10")].reason == "Ngày làm việc bù (cho ngày nghỉ 02/01/2026)"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-24", True),  # Friday before Tết
        ("2025-01-25", False),
        ("2025-02-03", True),  # Monday after Tết
        ("2025-04-26", True),  # swapped Saturday
        ("2025-04-27", False),
        ("2025-05-05", True),
        ("2025-08-29", True),
        ("2025-09-03", True),
        ("2026-02-13", True),  # Friday before Tết
        ("2026-02-14", False),
        ("2026-02-15", False),
        ("2026-02-21", False),
        ("2026-02-22", False),
        ("2026-02-23", True),  # back at work
        ("2026-04-28", True),
        ("2026-08-22", True),
        ("2026-08-29", False),
        ("2026-09-03", True),
        ("2026-11-23", True),
        ("2026-11-25", True),
        ("2027-11-24", False),  # Ngày Văn hóa Việt Nam every year from 2026
    ],
)
def test_is_working_day(day, working):
    assert CALENDAR.is_working_day(d(day)) is working


def test_our_additions_to_the_holidays_package():
    # The package (0.109) misses the New Year 2026 swap; if it learns it, nothing changes for us.
    days = national_days()
    for day_off, worked, source in SWAPPED_DAYS:
        assert day_off in days.days_off
        assert worked in days.working_days
        assert source


# --- working hours -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # 1 working day from Monday 09:00 is Tuesday 09:00 (8 working hours).
        ("2026-03-02 09:00", 1, "working_days", "2026-03-03 09:00"),
        ("2026-03-02 09:00", 5, "working_days", "2026-03-09 09:00"),
        ("2026-03-02 09:00", Decimal("0.5"), "working_days", "2026-03-02 15:00"),
        ("2026-03-02 09:00", Decimal("2.5"), "working_hours", "2026-03-02 11:30"),  # ends at the period end
        ("2026-03-02 07:00", 8, "working_hours", "2026-03-02 17:00"),  # not the next opening
        ("2026-03-02 09:00", Decimal("0.25"), "working_hours", "2026-03-02 09:15"),
        # Tết 2025: Friday 24/01 16:00, then nothing until Monday 03/02.
        ("2025-01-24 16:00", 1, "working_days", "2025-02-03 16:00"),
        ("2025-01-24 16:00", 1, "working_hours", "2025-01-24 17:00"),
        # Tết 2026: Thursday 12/02 10:00 + 24 h: 5 h + 8 h (Fri 13/02), then Mon 23/02 and 3 h on Tue 24/02.
        ("2026-02-12 10:00", 3, "working_days", "2026-02-24 10:00"),
        # 30/04–01/05/2025 with Friday 02/05 swapped for Saturday 26/04.
        ("2025-04-25 09:00", 1, "working_days", "2025-04-26 09:00"),
        ("2025-04-29 09:00", 2, "working_days", "2025-05-06 09:00"),
        # Hùng Kings: Monday 07/04/2025; Sunday 26/04/2026 compensated on Monday 27/04.
        ("2025-04-04 09:00", 1, "working_days", "2025-04-08 09:00"),
        ("2026-04-24 09:00", 1, "working_days", "2026-04-28 09:00"),
        ("2026-04-24 09:00", 3, "working_days", "2026-05-04 09:00"),  # then 30/04, 01/05 and the weekend
        # National Day: 01–02/09/2025; 2026: 31/08 (for Saturday 22/08), 01/09, 02/09.
        ("2025-08-29 09:00", 1, "working_days", "2025-09-03 09:00"),
        ("2026-08-21 09:00", 1, "working_days", "2026-08-22 09:00"),
        ("2026-08-28 09:00", 1, "working_days", "2026-09-03 09:00"),
        # Vietnam Culture Day, Tuesday 24/11/2026.
        ("2026-11-23 09:00", 1, "working_days", "2026-11-25 09:00"),
        # New Year 2026: 01/01 and 02/01 off, Saturday 10/01 worked.
        ("2025-12-31 09:00", 1, "working_days", "2026-01-05 09:00"),
        ("2026-01-09 09:00", 1, "working_days", "2026-01-10 09:00"),
        # Reception outside office hours counts from the next opening.
        ("2026-03-07 10:00", 1, "working_days", "2026-03-09 17:00"),  # Saturday: Monday 07:00 + 8 h
        ("2026-03-02 18:30", Decimal("4.5"), "working_hours", "2026-03-03 11:30"),  # evening
        ("2026-03-02 06:00", 1, "working_hours", "2026-03-02 08:00"),  # before opening
        ("2026-03-02 12:00", 1, "working_hours", "2026-03-02 14:30"),  # lunch break
        ("2026-03-02 11:30", 1, "working_hours", "2026-03-02 14:30"),  # 11:30 is not working time
        ("2026-03-02 17:00", 1, "working_hours", "2026-03-03 08:00"),
        ("2026-02-17 10:00", 1, "working_hours", "2026-02-23 08:00"),  # on a holiday
        # Zero: the effective start.
        ("2026-03-02 12:00", 0, "working_hours", "2026-03-02 13:30"),
        ("2026-03-02 09:00", 0, "working_days", "2026-03-02 09:00"),
        ("2026-03-07 10:00", 0, "calendar_days", "2026-03-09 07:00"),
    ],
)
def test_add(start, amount, unit, due):
    assert CALENDAR.add(vn(start), amount, unit) == vn(due)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-03-02 09:00", 7, "2026-03-09 09:00"),  # Monday to Monday
        ("2026-03-02 09:00", 5, "2026-03-09 17:00"),  # ends Saturday: the end of Monday
        ("2026-03-02 09:00", 6, "2026-03-09 17:00"),  # ends Sunday
        ("2026-02-10 10:00", 7, "2026-02-23 17:00"),  # ends on Tết (17/02): the end of Monday 23/02
        ("2026-03-07 10:00", 2, "2026-03-11 07:00"),  # received Saturday: counted from Monday 07:00
        ("2026-03-02 12:00", 1, "2026-03-03 13:30"),  # received at lunch: counted from 13:30
        ("2025-04-19 10:00", 5, "2025-04-26 07:00"),  # from Monday 21/04 07:00; Saturday 26/04 is worked
        ("2026-08-01 10:00", 28, "2026-09-03 17:00"),  # Mon 03/08 + 28 = Mon 31/08 (off), then 01–02/09
    ],
)
def test_calendar_days(start, days, due):
    assert CALENDAR.add(vn(start), days, "calendar_days") == vn(due)
    assert CALENDAR.add(vn(start), Decimal(days), "calendar_days") == vn(due)


def test_add_refuses_bad_values():
    t = vn("2026-03-02 09:00")
    with pytest.raises(ValueError, match="unknown unit"):
        CALENDAR.add(t, 1, "weeks")
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add(t, -1, "working_days")
    with pytest.raises(ValueError, match="whole number"):
        CALENDAR.add(t, Decimal("1.5"), "calendar_days")
    with pytest.raises(ValueError, match="finite"):
        CALENDAR.add(t, Decimal("NaN"), "working_days")
    with pytest.raises(TypeError):
        CALENDAR.add(t, True, "working_days")
    with pytest.raises(TypeError):
        CALENDAR.add(t, 1.5, "working_days")
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add(dt.datetime(2026, 3, 2, 9), 1, "working_days")
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_hours(t, -HOUR)
    with pytest.raises(ValueError, match="finite"):
        CALENDAR.add_working_hours(t, float("inf"))


def test_hours_in_every_form_agree():
    t = vn("2026-03-02 09:00")
    expected = vn("2026-03-02 14:00")
    for hours in (3, Decimal(3), 3.0, dt.timedelta(hours=3)):
        assert CALENDAR.add_working_hours(t, hours) == expected
    assert CALENDAR.add_working_hours(t, Decimal("0.0001")) == vn("2026-03-02 09:00:00.360000")


def test_any_time_zone_in_vietnam_time_out():
    due = CALENDAR.add(dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC), 1, "working_days")  # 09:00 in Vietnam
    assert due == vn("2026-03-03 09:00")
    assert due.tzinfo is VN_TZ
    assert due.isoformat() == "2026-03-03T09:00:00+07:00"
    tokyo = dt.datetime(2026, 3, 2, 11, 0, tzinfo=TOKYO)  # 09:00 in Vietnam: already working time
    start = CALENDAR.effective_start(tokyo)
    assert start.isoformat() == "2026-03-02T09:00:00+07:00"
    assert CALENDAR.effective_start(dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC)).isoformat() == (
        "2026-03-02T07:00:00+07:00"
    )


def test_microseconds_are_kept_inside_working_time():
    assert CALENDAR.add_working_hours(vn("2026-03-02 09:00:00.5"), 1) == vn("2026-03-02 10:00:00.5")
    assert CALENDAR.add_working_hours(vn("2026-03-02 11:29:59.5"), dt.timedelta(seconds=0.5)) == vn("2026-03-02 11:30")
    assert CALENDAR.add_working_hours(vn("2026-03-02 11:29:59.5"), dt.timedelta(seconds=0.75)) == vn(
        "2026-03-02 13:30:00.25"
    )
    assert CALENDAR.add_working_hours(vn("2026-03-02 12:00:00.5"), 1) == vn("2026-03-02 14:30")


# --- effective start, working time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "working", "start"),
    [
        ("2026-03-02 06:59:59", False, "2026-03-02 07:00"),
        ("2026-03-02 07:00", True, "2026-03-02 07:00"),
        ("2026-03-02 11:29:59.999999", True, "2026-03-02 11:29:59.999999"),
        ("2026-03-02 11:30", False, "2026-03-02 13:30"),
        ("2026-03-02 13:30", True, "2026-03-02 13:30"),
        ("2026-03-02 16:59:59", True, "2026-03-02 16:59:59"),
        ("2026-03-02 17:00", False, "2026-03-03 07:00"),
        ("2026-03-06 17:00", False, "2026-03-09 07:00"),  # Friday evening
        ("2026-02-13 17:30", False, "2026-02-23 07:00"),  # eve of Tết
        ("2025-04-26 10:00", True, "2025-04-26 10:00"),  # swapped Saturday
        ("2025-12-31 23:59:59", False, "2026-01-05 07:00"),
    ],
)
def test_effective_start_and_working_time(t, working, start):
    assert CALENDAR.is_working_time(vn(t)) is working
    assert CALENDAR.effective_start(vn(t)) == vn(start)


# --- between, same day, pause --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        ("2026-03-02 09:00", "2026-03-03 09:00", 8),
        ("2026-03-06 16:00", "2026-03-09 08:00", 2),  # over a weekend
        ("2026-03-02 11:00", "2026-03-02 14:00", 1),  # over lunch
        ("2026-02-13 16:00", "2026-02-23 08:00", 2),  # over Tết 2026
        ("2025-01-24 07:00", "2025-02-04 07:00", 16),  # over Tết 2025
        ("2026-03-02 20:00", "2026-03-03 06:00", 0),
        ("2026-03-03 09:00", "2026-03-02 09:00", 0),  # b before a
        ("2026-01-01 00:00", "2027-01-01 00:00", 8 * 249),  # 261 weekdays - 14 days off + 2 Saturdays
    ],
)
def test_between(a, b, hours):
    assert CALENDAR.between(vn(a), vn(b)) == dt.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-03-02 14:59:59", "2026-03-02 17:00"),  # before 15:00: the same day
        ("2026-03-02 15:00", "2026-03-03 17:00"),  # at 15:00: the next working day
        ("2026-03-02 16:30", "2026-03-03 17:00"),
        ("2026-03-06 15:30", "2026-03-09 17:00"),  # Friday afternoon: Monday
        ("2026-03-02 06:00", "2026-03-02 17:00"),  # before opening: counted from 07:00
        ("2026-03-02 12:00", "2026-03-02 17:00"),  # lunch: counted from 13:30
        ("2026-03-02 17:30", "2026-03-03 17:00"),  # after closing: the next working day
        ("2026-03-07 10:00", "2026-03-09 17:00"),  # Saturday
        ("2026-04-29 16:00", "2026-05-04 17:00"),  # then 30/04, 01/05 and the weekend
        ("2025-04-25 15:30", "2025-04-26 17:00"),  # swapped Saturday
    ],
)
def test_same_day_due(received, due):
    assert CALENDAR.same_day_due(vn(received)) == vn(due)


def test_resume_due_pushes_back_by_the_paused_working_time():
    # Received Monday 02/03/2026 09:00 with 5 working days: due Monday 09/03 09:00; paused two working days.
    due = CALENDAR.add(vn("2026-03-02 09:00"), 5, "working_days")
    assert due == vn("2026-03-09 09:00")
    resumed = CALENDAR.resume_due(due, vn("2026-03-03 09:00"), vn("2026-03-05 09:00"))
    assert resumed == vn("2026-03-11 09:00")
    # Paused on Friday evening, resumed Monday before opening: no working time lost.
    assert CALENDAR.resume_due(due, vn("2026-03-06 18:00"), vn("2026-03-09 06:00")) == due
    # A due instant at a period end stays there when nothing was paused ...
    assert CALENDAR.resume_due(vn("2026-03-09 17:00"), vn("2026-03-07 08:00"), vn("2026-03-08 08:00")) == vn(
        "2026-03-09 17:00"
    )
    # ... and moves on from there otherwise; over Tết 2026.
    assert CALENDAR.resume_due(vn("2026-02-13 17:00"), vn("2026-02-12 16:00"), vn("2026-02-13 08:00")) == vn(
        "2026-02-23 09:00"
    )


# --- office hours, overrides --------------------------------------------------------------------------------


def test_office_hours_of_a_year_and_a_province():
    summer = WeeklySchedule.parse([["07:30", "11:30"], ["13:00", "17:00"]], [1, 2, 3, 4, 5, 6])
    calendar = WorkingCalendar(
        days_off={d("2026-03-04"): "Ngày nghỉ của tỉnh"},
        working_days={d("2026-03-08"): "Làm việc Chủ nhật"},
        schedules_by_year={2026: summer},
    )
    assert calendar.schedule(2026) is summer
    assert calendar.schedule(2025) == DEFAULT_SCHEDULE
    assert calendar.effective_start(vn("2026-03-02 07:00")) == vn("2026-03-02 07:30")
    assert calendar.add(vn("2026-03-02 11:00"), 1, "working_hours") == vn("2026-03-02 13:30")
    assert calendar.add(vn("2026-03-03 09:00"), 1, "working_days") == vn("2026-03-05 09:00")  # 04/03 off
    assert calendar.is_working_day(d("2026-03-07"))  # Saturday in the 2026 schedule
    assert calendar.is_working_day(d("2026-03-08"))  # the Sunday made a working day
    assert not calendar.is_working_day(d("2025-03-08"))  # Saturday in 2025: default hours
    assert calendar.add(vn("2025-12-31 16:00"), 2, "working_hours") == vn("2026-01-01 08:30")  # no holidays given
    assert [(x.date, x.working) for x in calendar.non_working_days(2026)] == [
        (d("2026-03-04"), False),
        (d("2026-03-08"), True),
    ]


def test_a_day_cannot_be_both_off_and_working():
    with pytest.raises(ValueError, match="both off and working"):
        WorkingCalendar(days_off={d("2026-03-04"): "x"}, working_days={d("2026-03-04"): "y"})


@pytest.mark.parametrize(
    ("periods", "weekdays"),
    [
        ([], [1]),
        ([["11:30", "07:00"]], [1]),
        ([["07:00", "11:30"], ["11:00", "17:00"]], [1]),
        ([["13:30", "17:00"], ["07:00", "11:30"]], [1]),
        ([["7:00", "11:30"]], [1]),
        ([["07:00", "24:00"]], [1]),
        ([["07:00"]], [1]),
        (["07:00-11:30"], [1]),
        ([["07:00", "11:30"]], []),
        ([["07:00", "11:30"]], [0]),
        ([["07:00", "11:30"]], [8]),
        ([["07:00", "11:30"]], [True]),
    ],
)
def test_weekly_schedule_refuses_bad_hours(periods, weekdays):
    with pytest.raises(ValueError):
        WeeklySchedule.parse(periods, weekdays)


def test_weekly_schedule_round_trip():
    schedule = WeeklySchedule.parse([["07:00", "11:30"], ["13:30", "17:00"]], [5, 1, 2, 3, 4])
    assert schedule == DEFAULT_SCHEDULE
    assert schedule.as_strings() == [["07:00", "11:30"], ["13:30", "17:00"]]
    assert schedule.daily == dt.timedelta(hours=8)


# --- range and the lazily built clock ------------------------------------------------------------------------


def test_outside_the_supported_years():
    with pytest.raises(CalendarRangeError):
        CALENDAR.add(vn("1999-12-31 09:00"), 1, "working_days")
    with pytest.raises(CalendarRangeError):
        CALENDAR.add(vn("2099-12-01 09:00"), 100, "working_days")
    with pytest.raises(CalendarRangeError):
        CALENDAR.add(vn("2099-12-01 09:00"), 100, "calendar_days")
    with pytest.raises(CalendarRangeError):
        CALENDAR.non_working_days(2100)
    with pytest.raises(CalendarRangeError):
        CALENDAR.is_working_day(dt.date(1, 1, 1))
    with pytest.raises(CalendarRangeError):
        CALENDAR.effective_start(dt.datetime.max.replace(tzinfo=UTC))


def test_the_clock_extends_both_ways_with_the_same_results():
    fresh = WorkingCalendar.national()
    assert fresh.add(vn("2026-03-02 09:00"), 5, "working_days") == vn("2026-03-09 09:00")
    assert fresh.add(vn("2003-03-03 09:00"), 1, "working_days") == vn("2003-03-04 09:00")  # backwards
    assert fresh.add(vn("2026-03-02 09:00"), 5, "working_days") == vn("2026-03-09 09:00")
    far = fresh.add(vn("2026-03-02 09:00"), 2500, "working_days")  # ten years ahead
    assert far == CALENDAR.add(vn("2026-03-02 09:00"), 2500, "working_days")
    assert fresh.between(vn("2026-03-02 09:00"), far) == dt.timedelta(hours=8 * 2500)
    assert fresh.add(vn("2090-06-05 09:00"), 1, "working_days") == vn("2090-06-06 09:00")


# --- the batch ----------------------------------------------------------------------------------------------


def test_due_dates_match_add_working_hours():
    starts = [vn("2026-03-02 09:00"), vn("2026-03-07 10:00"), vn("2026-03-02 09:00:00.5"), vn("2026-03-02 12:00")]
    seconds = [period_seconds(5, "working_days"), period_seconds(1, "working_days"), 3600, 0]
    assert CALENDAR.due_dates(starts, seconds) == [
        vn("2026-03-09 09:00"),
        vn("2026-03-09 17:00"),
        vn("2026-03-02 10:00:00.5"),
        vn("2026-03-02 13:30"),
    ]
    fresh = WorkingCalendar.national()
    assert fresh.due_dates([vn("2090-03-07 09:00"), vn("2003-01-02 09:00")], [3600, 3600]) == [
        vn("2090-03-07 10:00"),
        vn("2003-01-02 10:00"),
    ]


def test_due_dates_refuse_bad_input():
    with pytest.raises(ValueError, match="differ in length"):
        CALENDAR.due_dates([vn("2026-03-02 09:00")], [])
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.due_dates([dt.datetime(2026, 3, 2, 9)], [3600])
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.due_dates([vn("2026-03-02 09:00")], [-1])
    with pytest.raises(CalendarRangeError):
        CALENDAR.due_dates([vn("2099-12-30 09:00")], [period_seconds(10, "working_days")])


def test_period_seconds():
    assert period_seconds(2, "working_days") == 16 * 3600
    assert period_seconds(Decimal("1.5"), "working_hours") == 5400
    with pytest.raises(ValueError):
        period_seconds(1, "calendar_days")


# --- properties ---------------------------------------------------------------------------------------------

STARTS = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([VN_TZ, UTC, TOKYO]),
)
# Whole seconds mostly, any microsecond sometimes; up to a hundred working days.
DURATIONS = st.one_of(
    st.integers(min_value=0, max_value=800 * 3600).map(lambda s: dt.timedelta(seconds=s)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=800)),
    st.sampled_from([dt.timedelta(hours=h) for h in (1, 4, 8, 16, 24, 40, 80, 120)]),
)
POSITIVE = DURATIONS.filter(bool)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def reference_add(calendar: WorkingCalendar, t: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """Slow, obvious version of `add_working_hours` for amount > 0: walk the office periods one by one."""
    current = t.astimezone(VN_TZ)
    day = current.date()
    remaining = amount
    while True:
        schedule = calendar.schedule(day.year)
        working = day not in calendar.days_off and (
            day in calendar.working_days or day.isoweekday() in schedule.weekdays
        )
        if working:
            for opening, closing in schedule.periods:
                begin = max(current, dt.datetime.combine(day, opening, VN_TZ))
                end = dt.datetime.combine(day, closing, VN_TZ)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
        day += dt.timedelta(days=1)
        current = dt.datetime.combine(day, dt.time(0), VN_TZ)


def at_period_end(calendar: WorkingCalendar, t: dt.datetime) -> bool:
    return not calendar.is_working_time(t) and calendar.is_working_time(t - MICROSECOND)


@PROPERTY
@given(t=STARTS, amount=POSITIVE)
def test_property_agrees_with_the_slow_reference(t, amount):
    assert CALENDAR.add_working_hours(t, amount) == reference_add(CALENDAR, t, amount)


@PROPERTY
@given(t=STARTS, amount=DURATIONS)
def test_property_result_is_working_time_or_a_period_end(t, amount):
    due = CALENDAR.add_working_hours(t, amount)
    assert due.tzinfo is VN_TZ
    assert due >= t
    if amount:
        assert CALENDAR.is_working_time(due) or at_period_end(CALENDAR, due)
    else:
        assert CALENDAR.is_working_time(due)
        assert due == CALENDAR.effective_start(t)


@PROPERTY
@given(t=STARTS, amount=DURATIONS)
def test_property_between_undoes_add(t, amount):
    assert CALENDAR.between(t, CALENDAR.add_working_hours(t, amount)) == amount


@PROPERTY
@given(t=STARTS, first=DURATIONS, second=POSITIVE)
def test_property_adding_in_two_steps(t, first, second):
    assert CALENDAR.add_working_hours(CALENDAR.add_working_hours(t, first), second) == CALENDAR.add_working_hours(
        t, first + second
    )


@PROPERTY
@given(t=STARTS, u=STARTS, a=DURATIONS, b=DURATIONS)
def test_property_monotonic(t, u, a, b):
    t, u = sorted([t, u])
    a, b = sorted([a, b])
    assert CALENDAR.add_working_hours(t, a) <= CALENDAR.add_working_hours(t, b)
    assert CALENDAR.add_working_hours(t, a) <= CALENDAR.add_working_hours(u, a)
    assert CALENDAR.effective_start(t) <= CALENDAR.effective_start(u)


@PROPERTY
@given(t=STARTS)
def test_property_effective_start(t):
    start = CALENDAR.effective_start(t)
    assert start >= t
    assert CALENDAR.is_working_time(start)
    assert CALENDAR.between(t, start) == dt.timedelta(0)
    assert (start == t) is CALENDAR.is_working_time(t)


@PROPERTY
@given(t=STARTS, days=st.integers(min_value=0, max_value=60))
def test_property_working_days_are_eight_hours(t, days):
    assert CALENDAR.add(t, days, "working_days") == CALENDAR.add_working_hours(t, 8 * days)


@PROPERTY
@given(t=STARTS, days=st.integers(min_value=1, max_value=60))
def test_property_calendar_days_end_on_a_working_day(t, days):
    due = CALENDAR.add(t, days, "calendar_days")
    start = CALENDAR.effective_start(t)
    assert CALENDAR.is_working_day(due.date())
    assert due >= start + dt.timedelta(days=days)
    if due != start + dt.timedelta(days=days):  # moved: to the closing of the first working day after
        assert due.time() == dt.time(17, 0)
        between = (start + dt.timedelta(days=days)).date()
        while between < due.date():
            assert not CALENDAR.is_working_day(between)
            between += dt.timedelta(days=1)


@PROPERTY
@given(t=STARTS)
def test_property_same_day_due_is_a_closing(t):
    due = CALENDAR.same_day_due(t)
    assert due.time() == dt.time(17, 0)
    assert CALENDAR.is_working_day(due.date())
    assert dt.timedelta(0) < CALENDAR.between(t, due) <= dt.timedelta(hours=10)


@PROPERTY
@given(due=STARTS, paused=STARTS, pause=DURATIONS)
def test_property_resume_due(due, paused, pause):
    resumed = paused + pause
    new_due = CALENDAR.resume_due(due, paused, resumed)
    assert new_due >= due
    assert CALENDAR.between(due, new_due) == CALENDAR.between(paused, resumed)


@PROPERTY
@given(pairs=st.lists(st.tuples(STARTS, POSITIVE | st.just(dt.timedelta(0))), max_size=30))
def test_property_batch_agrees(pairs):
    seconds = [int(amount.total_seconds()) for _, amount in pairs]
    starts = [t for t, _ in pairs]
    expected = [CALENDAR.add_working_hours(t, dt.timedelta(seconds=s)) for t, s in zip(starts, seconds, strict=True)]
    assert CALENDAR.due_dates(starts, seconds) == expected
