"""Admin for the working calendar (days off and working days added, office hours of a year) and the outbox.

Calendar changes apply at once (see `motcua.core.calendars.calendar_for`). Province administrators manage
them. The outbox is read-only: its dead events can be put back in the queue ("Gửi lại").
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.core import outbox
from motcua.core.calendars import CalendarDay, OfficeHours, province_choices
from motcua.core.outbox import OutboxEvent
from motcua.org import access

WEEKDAY_CHOICES = [
    (1, _("Thứ Hai")),
    (2, _("Thứ Ba")),
    (3, _("Thứ Tư")),
    (4, _("Thứ Năm")),
    (5, _("Thứ Sáu")),
    (6, _("Thứ Bảy")),
    (7, _("Chủ nhật")),
]
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


class CalendarPermissionMixin(access.PermissionAdminMixin):
    """The province administrator (and superusers) manage the calendar."""

    permission = access.Permission.MANAGE_AGENCIES


class CalendarDayForm(forms.ModelForm):
    province_code = forms.TypedChoiceField(label=_("mã tỉnh"), choices=province_choices)
    # Day first, as written in Vietnam (Django's default would read 04/03/2026 as 3 April).
    date = forms.DateField(
        label=_("ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"],
        widget=AdminDateWidget,
        help_text=_("Ví dụ: 04/03/2026 hoặc 2026-03-04"),
    )

    class Meta:
        model = CalendarDay
        fields = ["province_code", "date", "kind", "reason"]


class OfficeHoursForm(forms.ModelForm):
    province_code = forms.TypedChoiceField(label=_("mã tỉnh"), choices=province_choices)
    periods = forms.CharField(
        label=_("các buổi làm việc"),
        max_length=200,
        help_text=_(
            "Giờ bắt đầu - giờ kết thúc của từng buổi, cách nhau bởi dấu phẩy, ví dụ: 07:00-11:30, 13:30-17:00"
        ),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("các ngày làm việc trong tuần"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OfficeHours
        fields = ["province_code", "year", "periods", "weekdays"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = self.initial.get("periods")
        if isinstance(periods, list):
            self.initial["periods"] = ", ".join(
                "-".join(str(time) for time in pair) for pair in periods if isinstance(pair, list)
            )

    def clean_periods(self) -> list[list[str]]:
        text: str = self.cleaned_data["periods"]
        periods: list[list[str]] = []
        for part in text.split(","):
            match = _PERIOD.match(part)
            if match is None:
                raise forms.ValidationError(
                    _("Không đọc được “%(part)s”: mỗi buổi viết dạng 07:00-11:30."),
                    code="invalid_period",
                    params={"part": part.strip()},
                )
            periods.append([time.zfill(5) for time in match.groups()])
        return periods


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "kind", "reason", "province_code", "updated_at"]
    list_filter = ["kind", "province_code"]
    search_fields = ["reason"]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(OfficeHours)
class OfficeHoursAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    form = OfficeHoursForm
    list_display = ["year", "province_code", "periods_display", "weekdays_display", "updated_at"]
    list_filter = ["province_code"]
    ordering = ["-year"]

    @admin.display(description=_("các buổi làm việc"))
    def periods_display(self, obj: OfficeHours) -> str:
        return ", ".join("-".join(str(time) for time in pair) for pair in obj.periods if isinstance(pair, list))

    @admin.display(description=_("các ngày làm việc trong tuần"))
    def weekdays_display(self, obj: OfficeHours) -> str:
        names = dict(WEEKDAY_CHOICES)
        return ", ".join(str(names[day]) for day in obj.weekdays if day in names)


@admin.register(OutboxEvent)
class OutboxEventAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    """Events waiting, delivered or dead; superusers and province administrators only; nothing is edited."""

    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["created_at", "state", "topic", "subject", "attempts", "available_at", "error_display"]
    list_filter = ["state", "topic"]
    search_fields = ["subject", "=key"]
    date_hierarchy = "created_at"
    ordering = ["-pk"]
    fields = readonly_fields = (
        "key",
        "topic",
        "subject",
        "payload",
        "state",
        "created_at",
        "available_at",
        "attempts",
        "delivered_at",
        "last_error",
    )
    actions = ["replay_dead"]

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: Any) -> bool:
        return self._granted(request)

    @admin.display(description=_("lỗi gần nhất"))
    def error_display(self, obj: OutboxEvent) -> str:
        return obj.last_error if len(obj.last_error) <= 120 else obj.last_error[:119] + "…"

    @admin.action(description=_("Gửi lại"), permissions=["replay"])
    def replay_dead(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        count = outbox.replay_dead(queryset)
        self.message_user(
            request,
            ngettext(
                "Đã đưa %(count)d sự kiện lỗi vào hàng đợi gửi lại.",
                "Đã đưa %(count)d sự kiện lỗi vào hàng đợi gửi lại.",
                count,
            )
            % {"count": count},
        )
