"""Working-time arithmetic for dossiers: the calendar of the province this installation serves.

Thin helpers over `motcua.core.calendars.calendar_for`, which reads the holidays and the administrators'
overrides (rebuilt as soon as an override changes). Kept in one place so that a multi-province
installation only has to pass the province here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motcua.core.calendars import calendar_for


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
