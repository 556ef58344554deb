"""Working calendars per province (lịch làm việc): national holidays plus the administrator's overrides.

`calendar_for(province_code)` returns the `WorkingCalendar` (see `motcua.core.workingtime`) of a province:
the national days off of the `holidays` package, then this province's `CalendarDay` rows (a day off added,
or a day turned into a working day) and `OfficeHours` rows (office hours of one year). The calendar is
cached in the process; every call checks, with one aggregate query, whether an override was added,
changed or deleted since, so an administrator's change applies at once in every process, without restart.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router
from django.db.models import Model, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core import rows, workingtime
from motcua.core.errors import NotFound
from motcua.core.workingtime import FIRST_YEAR, LAST_YEAR, WeeklySchedule, WorkingCalendar

logger = logging.getLogger(__name__)

FIRST_DATE = dt.date(FIRST_YEAR, 1, 1)
LAST_DATE = dt.date(LAST_YEAR, 12, 31)


@functools.cache
def _package_provinces() -> dict[str, str]:
    from vietnam_provinces import Province

    return {f"{int(province.code):02d}": str(province.name) for province in Province.iter_all()}


def province_codes() -> frozenset[str]:
    """Codes of the provinces (two digits, official post-2025 list) and of this installation's province."""
    return frozenset(_package_provinces()) | {settings.MOTCUA_PROVINCE_CODE}


def province_choices() -> list[tuple[str, str]]:
    """(code, "code – name") of every province, by code, for forms."""
    names = _package_provinces()
    return [(code, f"{code} – {names[code]}" if code in names else code) for code in sorted(province_codes())]


def default_province_code() -> str:
    return str(settings.MOTCUA_PROVINCE_CODE)


def validate_province_code(value: str) -> None:
    if value not in province_codes():
        raise ValidationError(
            _("Không có tỉnh, thành phố nào mang mã %(code)s."), code="unknown_province", params={"code": value}
        )


def default_periods() -> list[list[str]]:
    return workingtime.DEFAULT_SCHEDULE.as_strings()


def default_weekdays() -> list[int]:
    return sorted(workingtime.DEFAULT_SCHEDULE.weekdays)


class CalendarDay(models.Model):
    """A day off added, or a day made a working day, for one province (ngày nghỉ / ngày làm việc bù).

    Takes precedence over the national calendar on that date: a `working_day` on a public holiday cancels
    the holiday; a `day_off` on a swapped working Saturday cancels the swap.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc")

    province_code = models.CharField(
        _("mã tỉnh"), max_length=2, default=default_province_code, validators=[validate_province_code]
    )
    date = models.DateField(_("ngày"), validators=[MinValueValidator(FIRST_DATE), MaxValueValidator(LAST_DATE)])
    kind = models.CharField(_("loại ngày"), max_length=12, choices=Kind.choices)
    reason = models.CharField(_("lý do"), max_length=255)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        app_label = "core"
        verbose_name = _("ngày nghỉ hoặc ngày làm việc")
        verbose_name_plural = _("lịch làm việc: ngày nghỉ, ngày làm việc")
        ordering = ["province_code", "date"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "date"], name="calendar_day_province_date_unique"),
            models.CheckConstraint(condition=Q(kind__in=["day_off", "working_day"]), name="calendar_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.date:%d/%m/%Y} {self.get_kind_display()}"


class OfficeHours(models.Model):
    """Office hours of one province for one year (giờ làm việc), replacing the default 07:00–11:30,
    13:30–17:00, Monday to Friday.

    `periods` is a list of `["HH:MM", "HH:MM"]` pairs in order; `weekdays` the ISO numbers of the days they
    apply to (1 Monday … 7 Sunday).
    """

    province_code = models.CharField(
        _("mã tỉnh"), max_length=2, default=default_province_code, validators=[validate_province_code]
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    periods = models.JSONField(_("các buổi làm việc"), default=default_periods)
    weekdays = models.JSONField(_("các ngày làm việc trong tuần"), default=default_weekdays)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        app_label = "core"
        verbose_name = _("giờ làm việc trong năm")
        verbose_name_plural = _("lịch làm việc: giờ làm việc theo năm")
        ordering = ["province_code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "year"], name="office_hours_province_year_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="office_hours_year_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year}"

    def schedule(self) -> WeeklySchedule:
        """The office hours as a `WeeklySchedule`; ValueError when the stored values are invalid."""
        if not isinstance(self.periods, list) or not isinstance(self.weekdays, list):
            raise ValueError("periods and weekdays must be lists")
        return WeeklySchedule.parse(self.periods, self.weekdays)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        weekdays = self.weekdays
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(isinstance(day, bool) or day not in range(1, 8) for day in weekdays)
            or len(set(weekdays)) != len(weekdays)
        ):
            errors["weekdays"] = ValidationError(
                _("Chọn ít nhất một ngày; mỗi ngày là một số từ 1 (thứ Hai) đến 7 (Chủ nhật), không trùng nhau."),
                code="invalid_weekdays",
            )
        else:
            try:
                self.schedule()
            except (TypeError, ValueError):
                errors["periods"] = ValidationError(
                    _(
                        "Mỗi buổi là một cặp giờ bắt đầu, kết thúc dạng HH:MM; giờ kết thúc sau giờ bắt đầu; "
                        "các buổi theo thứ tự và không chồng lên nhau."
                    ),
                    code="invalid_periods",
                )
        if errors:
            raise ValidationError(errors)


# --- the calendar of a province ----------------------------------------------------------------------------

_calendars: dict[str, tuple[tuple[Any, ...], WorkingCalendar]] = {}
_building = threading.Lock()


@functools.cache
def _overrides_statement(using: str) -> str:
    def part(label: str, model: type[Model]) -> str:
        return (
            f"SELECT '{label}', COUNT(*), MAX({rows.column(model, 'updated_at', using)}) "  # noqa: S608
            f"FROM {rows.table(model, using)} WHERE {rows.column(model, 'province_code', using)} = %s"
        )

    return f"{part('day', CalendarDay)} UNION ALL {part('hours', OfficeHours)}"


def _overrides_version(province_code: str) -> tuple[Any, ...]:
    """Count and latest change of the province's overrides, in one query (changes with every edit).

    Asked on every computation of a due date (each submission and action), hence SQL written once: the ORM
    took 1 ms of CPU to compile this union (core/rows.py).
    """
    using = router.db_for_read(CalendarDay)
    return tuple(sorted(rows.fetch_all(using, _overrides_statement(using), [province_code, province_code])))


def _build(province_code: str) -> WorkingCalendar:
    national = workingtime.national_days()
    days_off = dict(national.days_off)
    working_days = dict(national.working_days)
    for day in CalendarDay.objects.filter(province_code=province_code).order_by("date"):
        if day.kind == CalendarDay.Kind.DAY_OFF:
            working_days.pop(day.date, None)
            days_off[day.date] = day.reason
        else:
            days_off.pop(day.date, None)
            working_days[day.date] = day.reason
    schedules: dict[int, WeeklySchedule] = {}
    for hours in OfficeHours.objects.filter(province_code=province_code):
        try:
            schedules[hours.year] = hours.schedule()
        except (TypeError, ValueError):
            logger.error("invalid office hours ignored: province %s, year %s", province_code, hours.year)
    return WorkingCalendar(days_off=days_off, working_days=working_days, schedules_by_year=schedules)


def calendar_for(province_code: str | None = None) -> WorkingCalendar:
    """The working calendar of a province (default: this installation's), with the latest overrides.

    Raises `NotFound` for a code that is not a province.
    """
    code = province_code or default_province_code()
    if code not in province_codes():
        raise NotFound(gettext("Không có tỉnh, thành phố nào mang mã này."))
    version = _overrides_version(code)
    cached = _calendars.get(code)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _building:
        calendar = _build(code)
        _calendars[code] = (version, calendar)
    return calendar


def calendar_cache_clear() -> None:
    """Forget the cached calendars (tests; never needed for overrides, which are picked up by themselves)."""
    _calendars.clear()
