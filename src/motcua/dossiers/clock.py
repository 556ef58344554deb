"""Working-time arithmetic for dossiers: the calendar of the province this installation serves.

Thin helpers over `motcua.core.calendars.calendar_for`, which reads the holidays and the administrators'
overrides (rebuilt as soon as an override changes). Kept in one place so that a multi-province
installation only has to pass the province here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from motcua.catalog.services import period_in_working_hours
from motcua.core.calendars import calendar_for
from motcua.core.workingtime import WorkingCalendar

if TYPE_CHECKING:
    from motcua.catalog.models import ProcedureVersion

# A period of at most this many working hours is a "same day" procedure (due the same day, or the next
# working day when received after 15:00).
SAME_DAY_LIMIT_HOURS = Decimal(4)


def effective_start(at: dt.datetime) -> dt.datetime:
    return calendar_for().effective_start(at)


def add(at: dt.datetime, value: Decimal | int, unit: str) -> dt.datetime:
    return calendar_for().add(at, value, unit)


def add_hours(at: dt.datetime, hours: Decimal | int | dt.timedelta) -> dt.datetime:
    return calendar_for().add_working_hours(at, hours)


def between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    return calendar_for().between(start, end)


def same_day_due(at: dt.datetime) -> dt.datetime:
    return calendar_for().same_day_due(at)


def resume_due(due_at: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    return calendar_for().resume_due(due_at, paused_at, resumed_at)


def period_due(version: ProcedureVersion, start: dt.datetime) -> dt.datetime:
    """The due instant of `version`'s processing period (local period if set) counted from `start`."""
    value = version.local_time_value or version.processing_time_value
    unit = version.local_time_unit if version.local_time_value else version.processing_time_unit
    if unit != "calendar_days" and period_in_working_hours(value, unit) <= SAME_DAY_LIMIT_HOURS:
        return same_day_due(start)
    return add(start, value, unit)


def calendar() -> WorkingCalendar:
    """The calendar itself, for loops over many dossiers (one override check instead of one per call)."""
    return calendar_for()
